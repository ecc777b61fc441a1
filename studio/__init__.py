"""App-side helpers of DeepVis Studio: the app's frame, caching, the shared sidebar, page helpers, drawing.

Everything Streamlit-specific that more than one page needs lives here; the
computations themselves live in vizcore. ``shell`` (navigation, first paint;
imports nothing heavy), ``sidebar`` (model and image, ``sidebar.page``),
``cache`` (every cache, one get-or-make ``cache.kept``), ``widgets`` (pictures,
montages, the class picker, map layers, progress bars with time left, stale
notes, remembered choices), ``selection`` (the layer and unit shared between
pages), ``datasets`` (the dataset picker), ``defaults`` (device-sized
settings), ``charts``, ``downloads``, ``runs`` and ``styles`` (the optimising
pages' run loop and style pickers).
"""
