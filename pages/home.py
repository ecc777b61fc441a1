"""Home: the image as the model sees it, its top-5 classes and the model's layers."""
import pandas as pd
import streamlit as st

from studio import cache, charts, sidebar, widgets
from vizcore.core.model import ranked

model, model_key = sidebar.current_model()
image, image_key = sidebar.current_image()

st.title("DeepVis Studio")
st.caption(f"**{model.name}** · {model.source} · {len(model.categories)} classes · {len(model.layers)} layers")

left, right = st.columns([1, 2])
with left:
    widgets.pictures(st, model.view(image), f"What the network sees: {model.input_size}×{model.input_size} pixels "
                                            "after resizing and cropping", width="stretch")
with right:
    predictions = ranked(cache.probabilities(model_key, image_key, model, image), model.categories)
    st.subheader("Top-5 classes")
    st.plotly_chart(charts.top_k_bars(predictions), width="stretch")
    table = pd.DataFrame(predictions, columns=["class", "probability"])
    st.download_button("Download predictions (CSV)", table.to_csv(index=False), "predictions.csv", "text/csv")

st.subheader("Layers")
st.caption("Every module whose output is a feature map (C×H×W) or a vector, in the order the forward pass runs them.")
st.dataframe(
    pd.DataFrame([
        {"layer": layer.label, "module": layer.name, "type": layer.kind,
         "output shape": "×".join(map(str, layer.shape)), "parameters": layer.params}
        for layer in model.layers
    ]),
    hide_index=True, width="stretch",
)
