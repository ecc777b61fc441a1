"""Every page's default settings, sized for the device the app runs on: one place that pages and benchmarks read.

On a CPU the defaults are sized so that each page's main action takes at
most 30 s of CPU time on a 2-core laptop (``benchmarks/page_actions.py``
measures it), with a result still worth showing: fewer steps, smaller
pictures, fewer channels. On a GPU, or on a CPU with the page's "Paper
settings" switched on, they are the settings of the papers the pages follow
(Yosinski et al. 2015's step counts, Gatys et al. 2016's 512-pixel images,
Olah et al. 2017's 16-unit overview, Smilkov et al. 2017's 50 SmoothGrad
copies). Names are those of the page's widgets: ``settings("dream")["octaves"]``
is the default of the widget keyed ``dream_octaves`` (attribution's
``stride_share``: occlusion's stride is the window divided by it). No
Streamlit here: a benchmark or a notebook imports it.
"""
from __future__ import annotations

from vizcore import filters
from vizcore.core.model import Model

DEFAULTS: dict[str, dict[str, tuple]] = {  # page: {setting: (on a CPU, the papers')}
    "synthesis": {"steps": (60, 200), "channels": (4, 16)},
    "dream": {"octaves": (3, 4), "steps": (10, 10)},
    "invert": {"steps": (40, 200)},
    "adversarial": {"steps": (20, 20)},
    "fooling": {"steps": (100, 200)},
    "style": {"size": (96, 512), "steps": (40, 500)},
    "attribution": {"samples": (15, 50), "steps": (16, 64), "stride_share": (2, 4)},
}

IMAGES = {"builtin": 500, "cpu": 80, "gpu": 2000}
"""How many images a dataset starts with: the built-in models' small pictures, another network on a CPU (its
main action, a scan or the features of every image, in seconds), or on a GPU."""


def default_size(model: Model) -> int:
    """How many images a dataset starts with for ``model`` (``IMAGES``)."""
    if model.name.startswith("builtin-"):
        return IMAGES["builtin"]
    return IMAGES["cpu" if model.device.type == "cpu" else "gpu"]


def paper_by_default(m: Model) -> bool:
    """Whether the papers' settings are the default: when the model runs on a GPU."""
    return m.device.type != "cpu"


def settings(page: str, paper: bool = False) -> dict:
    """The defaults of ``page``'s widgets: the papers' (``paper``) or those sized for a CPU."""
    return {name: values[int(paper)] for name, values in DEFAULTS[page].items()}


def parametrization(m: Model) -> str:
    """Feature visualisation's default parametrization: Olah et al. 2017's decorrelated Fourier spectrum (with
    random transforms) for an ImageNet-sized network, whose pixel-space pictures stay noise for hundreds of steps;
    pixels for the small built-in models, whose shapes come out sharper in them."""
    return "fourier" if m.input_size >= 128 else "pixels"


def dream_layer(m: Model):
    """DeepDream's default layer: two thirds of the way up the feature maps (None when the model shows none)."""
    maps = [layer for layer in m.layers if layer.is_map]
    return maps[len(maps) * 2 // 3] if maps else None


def inversion_layers(m: Model) -> list[str]:
    """Feature inversion's default layers: the first and third convolutions, the last one, and the vector layer
    before the classifier's last two where there is one (AlexNet's fc7): detail kept at the bottom, only the gist
    at the top."""
    convs = [layer.name for layer in filters.conv_layers(m)]
    top = [m.layers[-3].name] if len(m.layers) >= 3 and not m.layers[-3].is_map else []
    return list(dict.fromkeys([*convs[:3:2], *convs[-1:], *top])) or [m.layers[-1].name]
