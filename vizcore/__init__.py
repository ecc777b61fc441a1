"""vizcore: look inside convolutional networks (the library behind DeepVis Studio).

    import vizcore as vc
    m = vc.load_model("builtin-shapes")          # offline; or "alexnet", "resnet18", ...
    img = vc.open_image("photo.jpg")
    m.predict(img, k=5)
    m.activations(img, ["conv1", "fc7"])

The packages read like the lecture's table of contents:

- :mod:`vizcore.core`: loading a network, its layers, capturing activations, progress;
- :mod:`vizcore.data`: images and datasets;
- :mod:`vizcore.filters`, :mod:`vizcore.activations`: the first layer's filters, a layer's maps;
- :mod:`vizcore.patches`: max-activating patches and receptive fields;
- :mod:`vizcore.embed`: the last layer: embeddings, maps, nearest neighbours;
- :mod:`vizcore.attribution`: saliency, guided backprop, Grad-CAM, occlusion, integrated gradients;
- :mod:`vizcore.synthesis`: images by gradient ascent (class and unit visualisation, DeepDream, inversion,
  adversarial examples), on :mod:`vizcore.optvis`, the one optimisation loop it shares with
- :mod:`vizcore.style`: texture synthesis and neural style transfer.

No Streamlit here: everything works the same in a notebook.
"""
import importlib

from vizcore import data, patches
from vizcore.core.layers import Layer
from vizcore.core.loading import load_model, pick_device
from vizcore.core.model import Model
from vizcore.core.preprocessing import IMAGENET_MEAN, IMAGENET_STD
from vizcore.core.progress import Progress, Step
from vizcore.data.images import open_image
from vizcore.errors import DataError, ImageError, ModelError, VizError

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "DataError", "ImageError", "Layer", "Model", "ModelError", "Progress",
           "Step", "VizError", "activations", "attribution", "data", "embed", "filters", "load_model", "open_image",
           "optvis", "patches", "pick_device", "style", "synthesis"]
LAZY = {"activations", "attribution", "embed", "filters", "optvis", "style", "synthesis"}


def __getattr__(name: str):
    """The method families are imported on first use (``vc.attribution`` brings Captum, ``vc.embed`` scikit-learn's
    manifold learners): a page that needs none of them starts a second sooner."""
    if name in LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'vizcore' has no attribute {name!r}")
