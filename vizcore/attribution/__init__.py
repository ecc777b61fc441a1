"""Which pixels matter for a class, or for one unit: the lecture's attribution methods and today's.

    import vizcore as vc
    from vizcore.attribution import Unit
    m, img = vc.load_model("builtin-shapes"), vc.data.builtin("shapes")[0][0]
    vc.attribution.saliency(m, img, target=None)          # [H, W] >= 0, for the predicted class
    vc.attribution.guided_backprop(m, img, Unit("conv5", 12))  # [H, W, 3], for a unit at its peak
    vc.attribution.occlusion(m, img, 3, window=16, stride=4)   # [h, w] drop of the class probability

=========================  ==========================================  ==================
function                   paper                                        result
=========================  ==========================================  ==================
``saliency``               Simonyan, Vedaldi & Zisserman 2014           [H, W] >= 0
``smoothgrad``             Smilkov et al. 2017                          [H, W] >= 0
``guided_backprop``        Springenberg et al. 2015                     [H, W, 3] signed
``deconvnet``              Zeiler & Fergus 2014                         [H, W, 3] signed
``grad_cam``               Selvaraju et al. 2017                        [H, W] >= 0
``integrated_gradients``   Sundararajan, Taly & Yan 2017                [H, W] signed
``occlusion``              Zeiler & Fergus 2014                         [h, w] prob. drop
=========================  ==========================================  ==================

Maps are at the size of the model's input (``m.preprocess(img)``), except
occlusion's, which has one cell per window position (:func:`occlusion_map`
spreads it over the pixels). ``img`` is one image (a PIL picture or a
preprocessed tensor [3, H, W]) or a batch (a list of pictures, or a tensor
[B, 3, H, W]): one image gives one map as in the table, a batch gives the
batch of maps, with a leading ``B``, each equal to the map of its image
alone. ``target``: a class index, None for the predicted class, or (for the
gradient methods) a :class:`Unit` of an inner layer; one for every image, or
a list of one per image. Every method is safe on a model shared between
threads: nothing is attached to the model per call. Long computations take
``progress(done, total)``, which may raise to stop.
"""
from vizcore.attribution.gradcam import default_layer, grad_cam
from vizcore.attribution.gradients import BASELINES, baseline_image, integrated_gradients, saliency, smoothgrad
from vizcore.attribution.guided import deconvnet, guided_backprop
from vizcore.attribution.occluding import occlusion, occlusion_map, positions
from vizcore.attribution.pictures import cutout, foreground, gradient_picture, heatmap, magnitude
from vizcore.attribution.targets import Images, Targets, Unit

__all__ = ["BASELINES", "Images", "Targets", "Unit", "baseline_image", "cutout", "deconvnet", "default_layer",
           "foreground", "grad_cam", "gradient_picture", "guided_backprop", "heatmap", "integrated_gradients",
           "magnitude", "occlusion", "occlusion_map", "positions", "saliency", "smoothgrad"]
