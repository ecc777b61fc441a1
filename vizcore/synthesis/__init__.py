"""Images made by gradient ascent: class models, unit visualizations, DeepDream, inversion, adversarial images.

    import vizcore as vc
    m = vc.load_model("builtin-shapes")
    *_, last = vc.synthesis.class_visualization(m, target=3, steps=200)   # last.image: PIL
    for step in vc.synthesis.deep_dream(m, img, "conv4", octaves=3):     # a live preview
        show(step.image, step.parts["norm"])

==========================  ============================================  =========================
function                    paper                                         Step.parts
==========================  ============================================  =========================
``class_visualization``     Simonyan et al. 2014; Yosinski et al. 2015    score (the logit)
``unit_visualization``      Erhan et al. 2009; Yosinski et al. 2015       score (the unit)
``layer_mosaic``            (one batch of unit visualizations)            score per image
``deep_dream``              Mordvintsev, Olah & Tyka 2015                 norm, octave, octave_done
``invert``                  Mahendran & Vedaldi 2015                      distance
``adversarial``             Szegedy et al. 2013; Goodfellow et al. 2014   probability, predicted
``fooling``                 Nguyen, Yosinski & Clune 2014                 probability, predicted
==========================  ============================================  =========================

Every method is built on :mod:`vizcore.optvis`, the one optimisation loop it
shares with :mod:`vizcore.style`: an objective (a logit, a unit, a layer's
norm, a feature distance, a log-probability), a parametrization (Caffe's
centred pixels, or Olah et al. 2017's decorrelated Fourier spectrum),
transforms, regularizers and an optimizer, in :func:`vizcore.optvis.render`.
Settings are in pixel levels 0–255, as the papers give them.

Every method is a generator of :class:`vizcore.Step`: iterate it for a live
preview, stop iterating to stop, or take the last one. Results are
reproducible from ``seed``. Gradients are taken with respect to the image
only, through :meth:`vizcore.Model.activations_graph`: the shared model is
never changed, so any number of threads may use it at once.
"""
from vizcore.synthesis.attacks import adversarial, difference, fooling
from vizcore.synthesis.deepdream import deep_dream, octave_sizes
from vizcore.synthesis.inversion import invert
from vizcore.synthesis.visualize import (
    PARAMETRIZATIONS,
    PRESETS,
    STARTS,
    class_visualization,
    layer_mosaic,
    unit_visualization,
)

__all__ = ["PARAMETRIZATIONS", "PRESETS", "STARTS", "adversarial", "class_visualization", "deep_dream", "difference",
           "fooling", "invert", "layer_mosaic", "octave_sizes", "unit_visualization"]
