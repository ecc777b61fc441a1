"""umap-learn with its compiled code kept on disk, so that a new process does not compile it again.

umap-learn (McInnes, Healy & Melville 2018, "UMAP: Uniform Manifold
Approximation and Projection") is written with numba, which compiles each
function on its first call: about 30 s on two cores, paid again by every new
process, because umap-learn asks numba to cache none of its functions. So
:func:`umap` imports it (and pynndescent, which it imports) while
``numba.njit`` caches by default, with numba's cache in a folder that can be
written: ``NUMBA_CACHE_DIR`` when it is set, else ``$DEEPVIS_CACHE/numba``
(default ``~/.cache/deepvis/numba``), else the temporary folder. The cache is
keyed by each function's source file, so a new umap-learn compiles once
again. :func:`warm` compiles everything the app uses ahead of time (``make``
does it when it sets up the environment).
"""
from __future__ import annotations

import importlib
import os
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from vizcore.patches import store

_lock = threading.Lock()


def cache_dir() -> Path:
    """The folder for numba's compiled code: ``NUMBA_CACHE_DIR``, or beside the other kept results."""
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    for folder in ([Path(chosen)] if chosen else []) + [store.directory().parent / "numba",
                                                        Path(tempfile.gettempdir()) / "deepvis-numba"]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".probe-{os.getpid()}"
            probe.touch()
            probe.unlink()
            return folder
        except OSError:
            continue
    raise OSError("No folder can be written for numba's cache; set NUMBA_CACHE_DIR to one that can.")


def umap():
    """The ``umap`` module, imported once with numba's on-disk cache on for its functions."""
    with _lock:
        if "umap" in sys.modules:
            return sys.modules["umap"]
        os.environ["NUMBA_CACHE_DIR"] = str(cache_dir())  # numba rereads its settings when they change
        import numba

        numba.config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]  # in case numba was imported before
        plain = numba.njit

        def caching(*args, **kwargs):
            kwargs.setdefault("cache", True)
            return plain(*args, **kwargs)

        numba.njit = caching  # umap and pynndescent decorate at import time: every module-level function caches
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # umap's notes on optional TensorFlow and on numba's thread layer
                return importlib.import_module("umap")
        finally:
            numba.njit = plain


def warm() -> None:
    """Compile (or load from the cache) every UMAP function the app uses: a small fit and a transform."""
    from vizcore.embed.maps import fit

    points = np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32)
    fit(points, "umap").place(points[:3])
