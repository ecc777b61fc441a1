"""Images made by gradient ascent: class models, unit visualisations, DeepDream, inversion, adversarial images.

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
``layer_mosaic``            (one batch of unit visualisations)            score per image
``deep_dream``              Mordvintsev, Olah & Tyka 2015                 norm, octave, octave_done
``invert``                  Mahendran & Vedaldi 2015                      distance
``adversarial``             Szegedy et al. 2013; Goodfellow et al. 2014   probability, predicted
``fooling``                 Nguyen, Yosinski & Clune 2014                 probability, predicted
==========================  ============================================  =========================

Built from small pieces in the spirit of Lucid's ``optvis``:
:mod:`.objectives` (what is maximised), :mod:`.parameterisations` (pixels, or
Olah et al. 2017's decorrelated Fourier spectrum), :mod:`.transforms`
(jitter, scale, rotate), :mod:`.regularisers` (Yosinski et al.'s four and
their presets), :mod:`.render` (the ascent loop) and :mod:`.pixels` (images
in pixel levels 0–255, the units every setting here is given in).

Every method is a generator of :class:`vizcore.Step`: iterate it for a live
preview, stop iterating to stop, or take the last one. Results are
reproducible from ``seed``. Gradients are taken with respect to the image
only, through :meth:`vizcore.Model.activations_graph`: the shared model is
never changed, so any number of threads may use it at once.
"""
from vizcore.synthesis.adversarial import adversarial, difference, fooling
from vizcore.synthesis.dream import deep_dream, octave_sizes
from vizcore.synthesis.inversion import invert
from vizcore.synthesis.objectives import Objective, channel, dream, feature_match, log_probability, logit
from vizcore.synthesis.parameterisations import Fourier, Pixels
from vizcore.synthesis.regularisers import PRESETS, Regularisers
from vizcore.synthesis.render import PARAMETERISATIONS, STARTS, ascend
from vizcore.synthesis.transforms import Jitter, Rotate, Scale, standard
from vizcore.synthesis.visualize import class_visualization, layer_mosaic, unit_visualization

__all__ = ["PARAMETERISATIONS", "PRESETS", "STARTS", "Fourier", "Jitter", "Objective", "Pixels", "Regularisers",
           "Rotate", "Scale", "adversarial", "ascend", "channel", "class_visualization", "deep_dream", "difference",
           "dream", "feature_match", "fooling", "invert", "layer_mosaic", "log_probability", "logit", "octave_sizes",
           "standard", "unit_visualization"]
