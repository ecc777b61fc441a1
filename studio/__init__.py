"""App-side helpers of DeepVis Studio: caching, the shared sidebar, drawing.

Everything Streamlit-specific that more than one page needs lives here; the
computations themselves live in vizcore.
"""
