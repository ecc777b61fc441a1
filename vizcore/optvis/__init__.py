"""The one optimisation loop under synthesis and style, from small composable pieces (Lucid's ``optvis``).

    from vizcore import optvis
    objective = optvis.objectives.channel("conv3", 6) - 1e-6 * optvis.objectives.l2(mean)
    param = optvis.Fourier(m, batch=1, size=m.input_size, generator=torch.Generator())
    *_, last = optvis.render(m, objective, param, steps=200, transforms=optvis.transforms.standard(m.input_size))

- :mod:`.objectives`: what is maximised, as named terms that add and scale
  (class logits and unit activations, Simonyan et al. 2014, Erhan et al.
  2009; DeepDream's norm, Mordvintsev et al. 2015; feature distances,
  Mahendran & Vedaldi 2015 and Gatys et al. 2016's content loss; priors);
- :mod:`.parametrizations`: the pixels themselves (in [0, 1] or Caffe's
  centred levels), or Olah et al. 2017's decorrelated Fourier spectrum;
- :mod:`.transforms`: random jitter, scale and rotation (Olah et al. 2017),
  DeepDream's roll;
- :mod:`.regularizers`: total variation (Mahendran & Vedaldi 2015) and
  Yosinski et al. 2015's four image regularizers;
- :mod:`.optimizers`: normalized and signed gradient steps (Mordvintsev et
  al. 2015; Goodfellow et al. 2014), Adam (Kingma & Ba 2015), L-BFGS (Gatys
  et al. 2015);
- :mod:`.loop`: the loop (:func:`render`), a generator of :class:`vizcore.Step`;
- :mod:`.pixels`: pictures ↔ tensors in [0, 1], the one unit the loop works in.

:mod:`vizcore.synthesis` (feature visualization, DeepDream, inversion,
adversarial images) and :mod:`vizcore.style` (texture synthesis, style
transfer) are built on it.
"""
from vizcore.optvis import objectives, optimizers, pixels, regularizers, transforms
from vizcore.optvis.loop import render
from vizcore.optvis.objectives import Objective, Term
from vizcore.optvis.optimizers import OPTIMIZERS
from vizcore.optvis.parametrizations import Fourier, Parametrization, Pixels
from vizcore.optvis.regularizers import Regularizers, total_variation

__all__ = ["OPTIMIZERS", "Fourier", "Objective", "Parametrization", "Pixels", "Regularizers", "Term", "objectives",
           "optimizers", "pixels", "regularizers", "render", "total_variation", "transforms"]
