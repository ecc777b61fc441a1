"""Style transfer: texture synthesis and neural style transfer, with a live style/content trade-off slider.

Gatys, Ecker & Bethge 2015 (textures from Gram matrices) and 2016 (style
transfer), with the controls of Gatys et al. 2017 (several styles blended,
style scale, the content's colours kept), all from ``vizcore.style``. The
trade-off sweep optimises eight style/content ratios as one batch; afterwards
the slider only picks among them (``vc.style.pick``), so moving it shows a
result at once. The content is the sidebar's image. Nothing runs until Run is
pressed (``studio.runs.live``: progress with the time left, a live preview, a
Stop that keeps the picture so far); a finished result is kept for every
session. Size and iterations start at the device's defaults, or the papers'
with "Paper settings" (``studio.defaults``).
"""
from functools import partial

import numpy as np
import streamlit as st

import vizcore as vc
from studio import charts, downloads, runs, sidebar, styles, widgets

MODES = {"sweep": "Trade-off sweep", "transfer": "One transfer", "texture": "Texture"}
TV_WEIGHTS = [0.0, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
SHOWN = 384  # pixels wide on screen
PER_GAP = 4  # slider positions from one computed ratio to the next


model, model_key = sidebar.current_model()
content, content_key = sidebar.current_image()

st.title("Style transfer")
st.caption("Paint the sidebar's image in the style of others (Gatys et al. 2016), or grow a texture from a style "
           "(Gatys et al. 2015): a picture is optimised until the network's features match the content and the Gram "
           "matrices of its features match the style.")

mode = st.radio("Make", list(MODES), format_func=MODES.get, horizontal=True, key="style_mode")
runs.paper_switch("style_paper", ["style"], model)
top_row = st.columns([2, 3])
with top_row[0]:
    net, net_key = styles.pick_network(model, model_key)
    if mode != "texture":
        st.image(content, width=160, caption="content: the sidebar's image")
with top_row[1]:
    chosen, weights = styles.pick_styles()
if not chosen:
    st.info("Pick at least one style image.")
    st.stop()

with st.expander("Settings"):
    cells = st.columns(3)
    size = cells[0].slider("Output size (pixels, longer side)", 32, 512, step=16, key="style_size")
    steps = cells[0].slider("Iterations", 10, 1000, step=10, key="style_steps")
    scale = cells[1].slider("Style scale", 0.25, 2.0, 1.0, 0.25, key="style_scale",
                            help="The style image's size relative to the output: larger gives larger strokes.")
    tv = cells[1].select_slider("Smoothness (total-variation weight)", TV_WEIGHTS, 3.0, key="style_tv")
    preserve = mode != "texture" and cells[2].toggle(
        "Keep the content's colours", key="style_preserve",
        help="Transfer luminance only and take the colours from the content (Gatys et al. 2017).")
    settings = dict(style_weights=weights, tv_weight=tv, style_scale=scale, preserve_colors=preserve, size=size,
                    steps=steps, model=net)
    if mode == "transfer":
        settings["content_weight"] = cells[2].number_input("Content weight α", 0.0, 1e4, 1.0, key="style_alpha")
        settings["style_weight"] = cells[2].number_input("Style weight β", 0.0, 1e6, 3.0, key="style_beta",
                                                         help="Both losses are relative: 1 is as far as a black "
                                                              "picture.")
        settings["optimizer"] = cells[1].radio("Optimizer", vc.style.OPTIMIZERS, key="style_optimizer",
                                               format_func={"lbfgs": "L-BFGS", "adam": "Adam"}.get, horizontal=True)
        settings["init"] = cells[0].radio("Start from", vc.style.INITS, horizontal=True, key="style_init")
    elif mode == "texture":
        labels = [net.label(name) for name in net.style_layers]
        upto = cells[2].select_slider("Match layers up to", labels, labels[-1], key=f"style_layers:{net_key}",
                                      help="Low layers give colours and small structures; higher ones, whose "
                                           "units see more, add larger structures.")
        settings = dict(layers=labels[:labels.index(upto) + 1], model=net, size=size, steps=steps,
                        style_scale=scale, tv_weight=tv)
    else:
        st.caption(f"The sweep optimises {len(vc.style.RATIOS)} style/content ratios from "
                   f"{vc.style.RATIOS[0]:.2g} to {vc.style.RATIOS[-1]:.2g} together with Adam, each starting from "
                   "the content; the slider below then moves between them without computing again.")

style_keys = tuple(style.key for style in chosen)
shown = {name: tuple(value) if isinstance(value, list) else value for name, value in settings.items()
         if name not in ("model", "style_weights")}
images = [style.image for style in chosen]
if mode == "texture":
    if len(chosen) > 1:
        st.caption(f"A texture grows from one style: {chosen[0].label}.")
    start = partial(vc.style.texture, images[0], **settings)
elif mode == "transfer":
    start = partial(vc.style.transfer, content, images, **settings)
else:
    start = partial(vc.style.sweep, content, images, vc.style.RATIOS, **settings)
key = (net.style_layers, None if mode == "texture" else content_key,
       style_keys[:1] if mode == "texture" else style_keys, tuple(weights), tuple(sorted(shown.items(), key=str)))
result = runs.live("style", (mode, net_key), key, start, styles.rows, MODES[mode],  # a sweep's image: all side by side
                   width=96 * len(vc.style.RATIOS) if mode == "sweep" else 256, chart=mode != "sweep", shared=True)
if result is None:
    st.stop()

last, curves = result.last, result.table()
name = f"{mode}-{net.model.name}"
if mode == "sweep":
    ratios = last.parts["ratios"]
    left, right = st.columns([3, 2])
    with right:
        fine = vc.style.between(ratios, PER_GAP)
        ratio = st.select_slider("Style / content ratio β/α", fine, fine[PER_GAP * (len(ratios) // 2)],
                                 key="style_ratio", format_func=lambda r: f"{r:.3g}",
                                 help="Moves between the computed results at once: nothing is optimised again.")
        blend = st.toggle("Blend the two nearest results", key="style_blend")
        picture = vc.style.pick(last.images, ratios, ratio, blend)
        nearest = ratios[vc.style.nearest(ratios, ratio)]
        final = curves[curves["step"] == last.i]
        st.plotly_chart(charts.loss_curves(final, x="ratio", log_x=True, selected=ratio), width="stretch",
                        key="style_tradeoff")
        st.caption("After the last iteration: raising the ratio lowers the style loss and raises the content loss.")
    with left:
        how = "blend of the two nearest computed ratios" if blend else f"computed at β/α = {nearest:.3g}"
        widgets.pictures(st, picture, f"β/α = {ratio:.3g} · {how}", width=SHOWN, output_format="PNG")
    widgets.pictures(st, last.images, [f"{r:.2g}" for r in ratios], width=96, output_format="PNG")
    history = curves[np.isclose(curves["ratio"], nearest)]
    st.caption(f"The losses of β/α = {nearest:.3g} while it was optimised.")
    files = {"This picture (PNG)": (picture, f"{name}-ratio{ratio:.3g}.png"),
             "All ratios side by side (PNG)": (last.image, f"{name}-all.png")}
else:
    picture, history = last.image, curves
    widgets.pictures(st, picture, f"{MODES[mode]} after {last.i} iterations", width=SHOWN, output_format="PNG")
    files = {"The picture (PNG)": (picture, f"{name}.png")}
st.plotly_chart(charts.loss_curves(history), width="stretch", key="style_curves")

buttons = st.columns(len(files) + 1)
for button, (label, (image, filename)) in zip(buttons, files.items(), strict=False):
    button.download_button(label, partial(downloads.png, image), filename, "image/png", on_click="ignore")
buttons[-1].download_button("The losses (CSV)", curves.to_csv(index=False), f"{name}-losses.csv", "text/csv",
                            on_click="ignore")
