"""Datasets to scan, embed and browse: sequences of (PIL RGB image, label index).

- ``builtin("shapes")``: procedurally drawn 64x64 colour shapes and textures in
  ten classes (circle ... checkerboard; see :mod:`vizcore.builtin.shapes`), the
  data of the built-in shapes model. Rendered lazily, one image per access;
  ``seed`` draws a fresh set, never one the model was trained on.
- ``builtin("digits")``: scikit-learn's bundled handwritten digits (UCI, Alpaydin
  & Kaynak 1998), upscaled to 32x32, with the fixed train/test split the built-in
  digits model was trained and tested on; ``seed`` shuffles the split.
- ``builtin("samples")``: the two photos that ship with scikit-learn
  (``load_sample_images``: china.jpg, flower.jpg), each its own class.
- ``folder(path)``: any folder of images; subfolders are the classes.
- ``from_zip(file)``: an uploaded zip of such a folder, unpacked safely
  (:mod:`vizcore.data.unzip`).
- ``download("cifar10" | "imagenette")``: CIFAR-10 (Krizhevsky 2009) or
  Imagenette (fast.ai's ten easy ImageNet classes, 160 px), fetched by
  torchvision into ``$TORCH_HOME/datasets`` once; offline, a sentence says
  what to copy where.

Every :class:`Dataset` has ``.classes`` (names), ``.fingerprint`` (a hash of its
content: equal content, equal fingerprint, so results computed over a dataset
can be cached by it) and ``.name(i)``, a short human name for item ``i``.
Datasets pickle (their items come from module-level functions), so worker
processes can read them (:mod:`vizcore.data.batches`).
"""
from __future__ import annotations

import hashlib
import io
import operator
import shutil
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vizcore.builtin import digits, shapes
from vizcore.data.images import open_image
from vizcore.data.unzip import MAX_BYTES, MAX_FILES, extract
from vizcore.errors import DataError, ImageError

Item = tuple[Image.Image, int]

_SHAPES_SIZE = 2000  # default number of generated shapes: 200 per class
_IMAGE_SUFFIXES = {".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"}


class Dataset(Sequence):
    """A sequence of (PIL RGB image, label index into ``.classes``)."""

    def __init__(self, classes: Sequence[str], fingerprint: str, length: int,
                 load: Callable[[int], Item], name: Callable[[int], str], skipped: Sequence[str] = ()):
        self.classes = list(classes)
        self.fingerprint = fingerprint
        self.skipped = tuple(skipped)  # files left out (not images, or unreadable), relative paths
        self._length, self._load, self._name = length, load, name

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, i: int) -> Item:
        return self._load(range(self._length)[operator.index(i)])

    def name(self, i: int) -> str:
        """A short human name for item ``i``, e.g. "star 17" or "cats/tom.jpg"."""
        return self._name(range(self._length)[operator.index(i)])

    def __repr__(self) -> str:
        return f"<Dataset of {self._length} images, {len(self.classes)} classes, {self.fingerprint}>"


def builtin(name: str, split: str = "test", n: int | None = None, seed: int | None = None) -> Dataset:
    """A dataset that ships with vizcore: "shapes", "digits" or "samples".

    split: "test" (held out from training) or "train"; the samples have no split.
    n: how many images (default: 2000 shapes, the whole digits split, both samples).
    seed: a fresh, reproducible draw (new shapes; a shuffled digits split).
    """
    if name not in ("shapes", "digits", "samples"):
        raise DataError(f"There is no built-in dataset {name!r}; choose shapes, digits or samples.")
    if name != "samples" and split not in ("train", "test"):
        raise DataError(f"The {name} dataset has the splits train and test, not {split!r}.")
    if n is not None and n < 1:
        raise DataError(f"A dataset needs at least one image, not n={n}.")
    if seed is not None and seed < 0:
        raise DataError(f"A seed is a whole number from 0 up, not {seed}.")
    return {"shapes": _shapes, "digits": _digits, "samples": _samples}[name](split, n, seed)


def folder(path: str | Path) -> Dataset:
    """Every readable image under ``path``; the first subfolder level names the classes.

    Images directly in ``path`` form a class named after the folder. Hidden files
    are ignored; other files that are not images, or images that cannot be read,
    are listed in ``.skipped``. Every image is read once here, to leave out the
    unreadable ones and fingerprint the bytes, and again on each access. Raises
    DataError when no image is left.
    """
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"{root} is not a folder.")
    files = sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())
    content = hashlib.sha256()
    items: list[tuple[str, str]] = []  # (relative path, class)
    skipped = []
    for rel in files:
        if any(part.startswith(".") for part in rel.parts):
            continue
        data = _image_bytes(root / rel)
        if data is None:
            skipped.append(rel.as_posix())
            continue
        items.append((rel.as_posix(), rel.parts[0] if len(rel.parts) > 1 else root.name))
        content.update(rel.as_posix().encode() + b"\0" + hashlib.sha256(data).digest())
    if not items:
        found = f"only {len(skipped)} files that are not readable images" if skipped else "no files"
        raise DataError(f"{root} holds no images ({found}); use JPEG, PNG, GIF, BMP, TIFF or WebP files.")
    classes = sorted({cls for _, cls in items})
    index = {cls: k for k, cls in enumerate(classes)}
    return Dataset(classes, content.hexdigest()[:16], len(items),
                   partial(_file_item, root, items, index), partial(_file_name, items), skipped)


def from_zip(file, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> Dataset:
    """The images in a zip (path, bytes or file object), as :func:`folder` reads them once unpacked.

    Unpacked into a temporary folder named after the zip's content (so an
    upload sent twice is unpacked once). Members whose names would escape that
    folder are left out, as are files that are not images; ``.skipped`` lists
    both. Raises DataError for a file that is not a zip, or one with more
    than ``max_files`` files or ``max_bytes`` bytes unpacked.
    """
    if isinstance(file, (str, Path)):
        data = Path(file).read_bytes()
    else:
        data = file if isinstance(file, bytes) else file.read()
    dest = Path(tempfile.gettempdir()) / "deepvis-zips" / hashlib.sha256(data).hexdigest()[:16]
    done = dest / ".complete"
    if not done.exists():
        shutil.rmtree(dest, ignore_errors=True)  # what an interrupted unpacking left
        dest.mkdir(parents=True)
        try:
            unsafe = extract(io.BytesIO(data), dest / "images", max_files, max_bytes)
        except DataError:
            shutil.rmtree(dest, ignore_errors=True)
            raise
        done.write_text("\n".join(unsafe))
    try:
        dataset = folder(dest / "images")
    except DataError as e:
        raise DataError(str(e).replace(str(dest / "images"), "The zip")) from None
    unsafe = [name for name in done.read_text().split("\n") if name]
    dataset.skipped = tuple(unsafe) + dataset.skipped
    return dataset


PUBLIC = {"cifar10": ("CIFAR-10", 163, "cifar-10-python.tar.gz"),
          "imagenette": ("Imagenette (160 px)", 94, "imagenette2-160.tgz")}
"""Datasets :func:`download` fetches: name -> (title, download MB, archive file)."""


def download(name: str, split: str = "test", n: int | None = None, root: str | Path | None = None) -> Dataset:
    """CIFAR-10 or Imagenette through torchvision, downloaded into ``root`` (default ``$TORCH_HOME/datasets``) once.

    split: "test" (CIFAR-10's test batch, Imagenette's val folder) or "train";
    n: the first ``n`` images. Raises DataError with one sentence when the
    data is neither there nor downloadable.
    """
    from torchvision import datasets  # here: importing it costs start-up time the other datasets do not need

    if name not in PUBLIC:
        raise DataError(f"There is no downloadable dataset {name!r}; choose {' or '.join(PUBLIC)}.")
    if split not in ("train", "test"):
        raise DataError(f"The {name} dataset has the splits train and test, not {split!r}.")
    title, megabytes, archive = PUBLIC[name]
    root = Path(root) if root is not None else Path(torch.hub.get_dir()).parent / "datasets"
    try:
        if name == "cifar10":
            source = datasets.CIFAR10(root, train=split == "train", download=True)
            classes, labels, files = source.classes, source.targets, f"{len(source)}"
        else:
            source = datasets.Imagenette(root, split="train" if split == "train" else "val", size="160px",
                                         download=True)
            classes = [names[0] for names in source.classes]
            labels = [label for _, label in source._samples]
            files = " ".join(Path(path).name for path, _ in source._samples)
    except (OSError, RuntimeError) as e:  # urllib's URLError is an OSError
        raise DataError(f"{title} ({megabytes} MB) is not in {root} and could not be downloaded "
                        f"({getattr(e, 'reason', e)}): connect to the internet, or copy {archive} into {root}/, "
                        "or scan the built-in shapes or digits.") from e
    count = len(source) if n is None else min(n, len(source))
    return Dataset(classes, _hash(f"{name} {split} n={count} {files}"), count,
                   partial(_public_item, source, labels), partial(_public_name, classes, labels))


def _image_bytes(path: Path) -> bytes | None:
    """The bytes of the file at ``path`` if it is a readable image, else None."""
    if path.suffix.lower() not in _IMAGE_SUFFIXES:
        return None
    try:
        data = path.read_bytes()
        open_image(data)
    except (OSError, ImageError):
        return None
    return data


def _shapes(split: str, n: int | None, seed: int | None) -> Dataset:
    seed = 0 if seed is None else seed
    n = _SHAPES_SIZE if n is None else n
    return Dataset(shapes.CLASSES, _hash(f"shapes v{shapes.VERSION} {split} seed={seed} n={n}"), n,
                   partial(_shape_item, seed, split), _shape_name)


def _digits(split: str, n: int | None, seed: int | None) -> Dataset:
    order = digits.indices(split)
    if seed is not None:
        order = np.random.default_rng(seed).permutation(order)
    order = order[:n]
    return Dataset(digits.CLASSES, _hash(f"digits v{digits.VERSION} {split} seed={seed} n={len(order)}"),
                   len(order), partial(_digit_item, order), partial(_digit_name, order))


def _samples(split: str, n: int | None, seed: int | None) -> Dataset:
    from sklearn.datasets import load_sample_images

    bunch = load_sample_images()
    images = [Image.fromarray(a).convert("RGB") for a in bunch.images][:n]
    names = [Path(f).name for f in bunch.filenames][:n]
    content = hashlib.sha256()
    for img in images:
        content.update(img.tobytes())
    return Dataset([Path(f).stem for f in names], content.hexdigest()[:16], len(images),
                   partial(_sample_item, images), names.__getitem__)


def _file_item(root: Path, items: list[tuple[str, str]], index: dict[str, int], i: int) -> Item:
    return open_image(root / items[i][0]), index[items[i][1]]


def _file_name(items: list[tuple[str, str]], i: int) -> str:
    return items[i][0]


def _public_item(source, labels: list[int], i: int) -> Item:
    return source[i][0].convert("RGB"), labels[i]


def _public_name(classes: list[str], labels: list[int], i: int) -> str:
    return f"{classes[labels[i]]} #{i}"


def _shape_item(seed: int, split: str, i: int) -> Item:
    return shapes.render(i, seed, split)


def _shape_name(i: int) -> str:
    return f"{shapes.CLASSES[shapes.label(i)]} {i}"


def _digit_item(order: np.ndarray, i: int) -> Item:
    return digits.render(order[i])


def _digit_name(order: np.ndarray, i: int) -> str:
    return f"digit {digits.label(order[i])} (#{order[i]})"


def _sample_item(images: list[Image.Image], i: int) -> Item:
    return images[i].copy(), i


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
