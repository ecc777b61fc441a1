"""The dataset picker of pages that look at many images: built in, downloaded once, an uploaded zip, or a folder.

:func:`pick` draws the choice (and the upload or path it needs) and returns
the ``vc.data.Dataset``; what cannot be read gets its sentence and stops the
page. Files left out of a zip or folder (not images, or names that would
leave the folder) are counted under the picker.
"""
from __future__ import annotations

import contextlib
import hashlib
import os

import streamlit as st

import vizcore as vc

from . import cache, widgets
from .defaults import default_size

SOURCES = {"shapes": "built-in shapes", "digits": "built-in digits", "samples": "sample photos",
           **{name: f"{title} (download {mb} MB once)" for name, (title, mb, _) in vc.data.PUBLIC.items()},
           "zip": "a zip of images (upload)", "folder": "a folder on the server"}
SIZED = {"shapes", "digits", *vc.data.PUBLIC}
"""Sources with a number of images to take."""
SHOWN_SKIPPED = 5
def pick(model: vc.Model, key: str, source_column, size_column) -> vc.data.Dataset:
    """Draw the source in ``source_column`` and, where it applies, the number of images in ``size_column``.

    ``DEEPVIS_SERVER_FOLDERS=off`` leaves out "a folder on the server": on a shared deployment it would let any
    visitor read images from any folder the server can read.
    """
    names = [name for name in SOURCES if name != "folder" or os.environ.get("DEEPVIS_SERVER_FOLDERS") != "off"]
    source = source_column.selectbox("Dataset", names, format_func=SOURCES.get, key=f"{key}_data",
                                     index=names.index("digits" if model.name == "builtin-digits" else "shapes"))
    try:
        if source == "zip":
            dataset = _uploaded(key)
        elif source == "folder":
            dataset = _folder(key)
        else:
            n = None
            if source in SIZED:
                n = int(size_column.number_input("Images", 1, 5000, default_size(model), step=100, key=f"{key}_n",
                                                 help="How many images of the test split to take: more images, "
                                                      "in proportion more time."))
            if source in vc.data.PUBLIC:
                title, megabytes, _ = vc.data.PUBLIC[source]
                st.caption(f"{title} needs the internet the first time: {megabytes} MB are downloaded once and kept.")
            dataset = cache.dataset(source, n)
    except vc.DataError as e:
        st.error(str(e))
        st.stop()
    if dataset.skipped:
        names = ", ".join(dataset.skipped[:SHOWN_SKIPPED]) + (", …" if len(dataset.skipped) > SHOWN_SKIPPED else "")
        st.caption(f"{len(dataset)} images in {len(dataset.classes)} classes; {len(dataset.skipped)} files skipped "
                   f"(not readable images, or paths that would leave the folder): {names}")
    return dataset


def _uploaded(key: str) -> vc.data.Dataset:
    upload = st.file_uploader("A zip of images (subfolders are classes)", type="zip", key=f"{key}_zip",
                              help=f"Up to {widgets.upload_limit()}.")
    if upload is None:
        st.info("Upload a zip of JPEG, PNG, GIF, BMP, TIFF or WebP images; other files in it are skipped.")
        st.stop()
    data = upload.getvalue()
    return cache.zip_dataset(hashlib.sha256(data).hexdigest(), data)


def _folder(key: str) -> vc.data.Dataset:
    path = st.text_input("Folder of images on the server (subfolders are classes)", key=f"{key}_folder",
                         placeholder="/home/me/photos")
    if not path.strip():
        st.info("Type the path of a folder of images on the machine that runs the app.")
        st.stop()
    path = os.path.expanduser(path.strip())
    return cache.folder_dataset(path, _state(path))


def _state(path: str) -> tuple[int, int]:
    """(files, newest modification time in ns) under ``path``: it changes when files are added, removed or rewritten."""
    count, newest = 0, 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # a file removed meanwhile
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime_ns)
                count += 1
    return count, newest
