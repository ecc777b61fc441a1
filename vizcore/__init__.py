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
from .errors import DataError, ImageError, ModelError, VizError
from .images import open_image
from .layers import Layer
from .loading import load_model, pick_device
from .model import Model

__all__ = ["DataError", "ImageError", "Layer", "Model", "ModelError", "VizError", "attribution", "data",
           "load_model", "open_image", "patches", "pick_device"]


def __getattr__(name: str):
    """``vc.attribution`` is imported on first use: it brings Captum (and matplotlib), a second at start-up."""
    if name == "attribution":
        return importlib.import_module(".attribution", __name__)
    raise AttributeError(f"module 'vizcore' has no attribute {name!r}")
