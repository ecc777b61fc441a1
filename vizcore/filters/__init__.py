"""Filters: a convolution's weights as pictures.

The first layer's filters act on RGB pixels and read as small colour images
(Krizhevsky, Sutskever & Hinton 2012, fig. 3); later layers' filters are shown
per input channel in grey and say little (Zeiler & Fergus 2014 look at those
layers through their activations instead: :mod:`vizcore.activations`).
"""
from vizcore.filters.kernels import (
    conv_layers,
    first_rgb_layer,
    kernel_grid,
    kernels,
    norms,
    rgb_grid,
    rgb_tiles,
    weight,
)

__all__ = ["conv_layers", "first_rgb_layer", "kernel_grid", "kernels", "norms", "rgb_grid", "rgb_tiles", "weight"]
