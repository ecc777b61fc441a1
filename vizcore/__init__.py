"""vizcore: look inside convolutional networks (the library behind DeepVis Studio).

    import vizcore as vc
    m = vc.load_model("builtin-shapes")          # offline; or "alexnet", "resnet18", ...
    img = vc.open_image("photo.jpg")
    m.predict(img, k=5)
    m.activations(img, ["conv1", "fc7"])

No Streamlit here: everything works the same in a notebook.
"""
import importlib

from . import data, patches
from .optimising import Step
from .errors import DataError, ImageError, ModelError, VizError
from .images import open_image
from .layers import Layer
from .loading import load_model, pick_device
from .model import Model

__all__ = ["DataError", "ImageError", "Layer", "Model", "ModelError", "Step", "VizError", "attribution", "data",
           "embed", "load_model", "open_image", "patches", "pick_device", "style", "synthesis"]
LAZY = {"attribution", "embed", "style", "synthesis"}


def __getattr__(name: str):
    """The method families are imported on first use (``vc.attribution`` brings Captum, ``vc.embed`` scikit-learn's
    manifold learners): a page that needs none of them starts a second sooner."""
    if name in LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'vizcore' has no attribute {name!r}")
