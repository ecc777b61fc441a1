"""Data: the images a user hands us and the datasets the techniques run over.

- :func:`open_image` (:mod:`.images`): any upload as a plain, EXIF-rotated RGB
  picture, or one clear sentence (decompression bombs, CMYK, 16-bit, ...);
- :mod:`.datasets`: ``builtin("shapes" | "digits" | "samples")``, ``folder``,
  ``from_zip`` (unpacked safely by :mod:`.unzip`) and ``download`` (CIFAR-10,
  Imagenette): sequences of (PIL image, label index);
- :mod:`.batches`: a dataset's images as the network takes them, decoded by
  worker processes while the network runs.
"""
from vizcore.data.datasets import PUBLIC, Dataset, builtin, download, folder, from_zip
from vizcore.data.images import open_image

__all__ = ["PUBLIC", "Dataset", "builtin", "download", "folder", "from_zip", "open_image"]
