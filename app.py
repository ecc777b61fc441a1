"""DeepVis Studio: look inside convolutional networks, in the browser.

Run with `make run` (or `streamlit run app.py`). This file only sets up the
page, the navigation and the sidebar that every page shares.
"""
import streamlit as st

from studio import sidebar

st.set_page_config(page_title="DeepVis Studio", page_icon=":material/neurology:", layout="wide")

navigation = st.navigation([
    st.Page("pages/home.py", title="Model & prediction", icon=":material/home:", default=True),
    st.Page("pages/filters.py", title="Filters", icon=":material/filter_center_focus:", url_path="filters"),
    st.Page("pages/activations.py", title="Activations", icon=":material/grid_view:", url_path="activations"),
    st.Page("pages/patches.py", title="Max patches", icon=":material/apps:", url_path="patches"),
    st.Page("pages/embeddings.py", title="Embeddings", icon=":material/scatter_plot:", url_path="embeddings"),
    st.Page("pages/attribution.py", title="Attribution", icon=":material/highlight:", url_path="attribution"),
    st.Page("pages/synthesis.py", title="Feature visualisation", icon=":material/auto_awesome:", url_path="synthesis"),
    st.Page("pages/dream.py", title="DeepDream & inversion", icon=":material/cloud:", url_path="dream"),
    st.Page("pages/adversarial.py", title="Adversarial images", icon=":material/bug_report:", url_path="adversarial"),
    st.Page("pages/style.py", title="Style transfer", icon=":material/palette:", url_path="style"),
])
sidebar.render()
navigation.run()
