"""DeepVis Studio: look inside convolutional networks, in the browser.

Run with `make run` (or `streamlit run app.py`). This file only sets up the
page, the navigation and the sidebar that every page shares.
"""
import streamlit as st

from studio import sidebar

st.set_page_config(page_title="DeepVis Studio", page_icon=":material/neurology:", layout="wide")

navigation = st.navigation([
    st.Page("pages/home.py", title="Model & prediction", icon=":material/home:", default=True),
])
sidebar.render()
navigation.run()
