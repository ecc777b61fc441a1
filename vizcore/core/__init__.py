"""The core: loading a network, finding its layers, capturing their outputs, and sharing it safely.

- :func:`load_model` (:mod:`.loading`): built-in, torchvision (Weights API,
  :mod:`.zoo`) or a user's checkpoint (:mod:`.checkpoints`, read with
  ``weights_only=True``) as one :class:`Model` (:mod:`.model`);
- :mod:`.layers`: the layers worth looking at, found by one dummy forward pass;
- :mod:`.capture`: thread-scoped hooks, so that one model serves every session
  of the app at once without being changed per call;
- :mod:`.preprocessing`: the one image ↔ tensor conversion (torchvision's
  ``ImageClassification`` preset);
- :mod:`.progress`: the :class:`Step` of optimisations and the progress line of long passes.
"""
from vizcore.core.layers import Layer
from vizcore.core.loading import load_model, pick_device
from vizcore.core.model import Model
from vizcore.core.preprocessing import IMAGENET_MEAN, IMAGENET_STD, Preprocessing
from vizcore.core.progress import Meter, Progress, Step

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "Layer", "Meter", "Model", "Preprocessing", "Progress", "Step",
           "load_model", "pick_device"]
