"""Texture synthesis and neural style transfer: the lecture's last part.

    import vizcore as vc
    style = vc.style.sample("swirls")                        # or any photo
    *_, last = vc.style.texture(style, steps=200)            # a generator of vc.Step
    *_, last = vc.style.transfer(photo, [style, other], style_weights=[2, 1], preserve_colors=True)
    *_, last = vc.style.sweep(photo, style, ratios=vc.style.RATIOS)   # 8 trade-offs in one batch
    vc.style.pick(last.images, vc.style.RATIOS, 3.0)         # the slider: nearest computed result

=============  ===============================================  =====================================
function       paper                                            what
=============  ===============================================  =====================================
``gram``       Gatys, Ecker & Bethge 2015                       normalized Gram matrix of features
``texture``    Gatys, Ecker & Bethge 2015                       noise -> the style's texture
``transfer``   Gatys, Ecker & Bethge 2016; Gatys et al. 2017    content in a (blend of) style(s)
``sweep``      (the same, batched)                              many style/content trade-offs at once
=============  ===============================================  =====================================

``model`` in every method: a :class:`vizcore.Model` (at its standard layers,
:func:`standard_layers`), a :class:`LossNetwork`, or None for VGG-19 with
pretrained weights when they are cached or can be downloaded, else the
built-in shapes model; ``step.parts["network"]`` says which, and what quality
to expect. Losses are relative (:mod:`vizcore.style.losses`). Every method
runs :func:`vizcore.optvis.render`, the one optimisation loop it shares with
:mod:`vizcore.synthesis`, with L-BFGS or Adam (``optimizer=``). Nothing about a
shared model is changed, so every method is safe from many threads.
"""
from vizcore.style.colors import luminance, to_rgb, to_ycbcr
from vizcore.style.grams import blend, gram, layer_loss
from vizcore.style.networks import LossNetwork, loss_network, network, standard_layers
from vizcore.style.samples import SAMPLES, sample
from vizcore.style.sweeps import RATIOS, between, nearest, pick, sweep
from vizcore.style.textures import texture
from vizcore.style.transfers import INITS, OPTIMIZERS, transfer

__all__ = ["INITS", "LossNetwork", "OPTIMIZERS", "RATIOS", "SAMPLES", "between", "blend", "gram", "layer_loss",
           "loss_network", "luminance", "nearest", "network", "pick", "sample", "standard_layers", "sweep", "texture",
           "to_rgb", "to_ycbcr", "transfer"]
