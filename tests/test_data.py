"""vizcore.data and the generators behind it: determinism, balance, folders, fingerprints."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vizcore import data
from vizcore.builtin import digits, shapes
from vizcore.errors import DataError


def pixels(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.int16)


# --- shapes generator -------------------------------------------------------------------------

def test_shapes_render_depends_only_on_split_seed_and_index():
    img, label = shapes.render(1234, seed=5)
    assert (img.mode, img.size, label) == ("RGB", (64, 64), 4)
    assert np.array_equal(pixels(img), pixels(shapes.render(1234, seed=5)[0]))
    for other in (shapes.render(1234, seed=6), shapes.render(1234, seed=5, split="train")):
        assert np.abs(pixels(img) - pixels(other[0])).mean() > 10


def test_shapes_dataset_renders_any_index_alone_and_is_balanced():
    ds = data.builtin("shapes", n=1000, seed=3)
    assert len(ds) == 1000 and ds.classes == list(shapes.CLASSES)
    assert np.array_equal(pixels(ds[777][0]), pixels(shapes.render(777, seed=3)[0]))
    assert np.array_equal(pixels(ds[-1][0]), pixels(ds[999][0]))
    assert np.bincount([ds[i][1] for i in range(len(ds))], minlength=10).tolist() == [100] * 10
    assert ds.name(3) == "star 3"
    with pytest.raises(IndexError):
        ds[1000]


def test_shapes_fingerprint_follows_content_parameters():
    a = data.builtin("shapes", n=50, seed=1)
    assert a.fingerprint == data.builtin("shapes", n=50, seed=1).fingerprint
    others = [data.builtin("shapes", n=50, seed=2), data.builtin("shapes", n=51, seed=1),
              data.builtin("shapes", split="train", n=50, seed=1)]
    assert len({a.fingerprint, *(o.fingerprint for o in others)}) == 4


# --- digits -----------------------------------------------------------------------------------

def test_digits_split_is_fixed_disjoint_and_complete():
    train, test = digits.indices("train"), digits.indices("test")
    assert (len(train), len(test)) == (1438, 359)
    assert set(train).isdisjoint(test) and len(set(train) | set(test)) == 1797
    assert np.array_equal(test, digits.indices("test"))


def test_digits_dataset_images_and_seeded_draws():
    ds = data.builtin("digits")
    img, label = ds[0]
    assert (img.mode, img.size, len(ds), ds.classes) == ("RGB", (32, 32), 359, [str(d) for d in range(10)])
    assert label == digits.label(digits.indices("test")[0])
    assert ds.name(0).startswith(f"digit {label}")
    a, b = data.builtin("digits", n=20, seed=1), data.builtin("digits", n=20, seed=1)
    assert [a.name(i) for i in range(20)] == [b.name(i) for i in range(20)]
    assert a.fingerprint == b.fingerprint != data.builtin("digits", n=20, seed=2).fingerprint
    drawn = {int(a.name(i).split("#")[1].rstrip(")")) for i in range(20)}
    assert drawn <= set(digits.indices("test").tolist())


# --- samples ----------------------------------------------------------------------------------

def test_samples_are_the_two_scikit_learn_photos():
    ds = data.builtin("samples")
    assert len(ds) == 2 and ds.classes == ["china", "flower"]
    assert [ds.name(i) for i in range(2)] == ["china.jpg", "flower.jpg"]
    for i, (img, label) in enumerate(ds):
        assert (img.mode, img.size, label) == ("RGB", (640, 427), i)
    assert len(data.builtin("samples", n=1)) == 1


def test_builtin_rejects_unknown_names_and_splits():
    with pytest.raises(DataError, match="shapes, digits or samples"):
        data.builtin("cifar10")
    with pytest.raises(DataError, match="train and test"):
        data.builtin("digits", split="validation")


# --- folder -----------------------------------------------------------------------------------

def _save(path, colour, fmt="PNG"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (20, 16), colour).save(path, fmt)


@pytest.fixture
def image_folder(tmp_path):
    _save(tmp_path / "cats" / "tom.png", "red")
    _save(tmp_path / "cats" / "sub" / "felix.jpg", "orange", "JPEG")
    _save(tmp_path / "dogs" / "rex.png", "blue")
    (tmp_path / "dogs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return tmp_path


def test_folder_subfolders_are_classes_and_bad_files_are_skipped(image_folder):
    ds = data.folder(image_folder)
    assert ds.classes == ["cats", "dogs"]
    assert [ds.name(i) for i in range(len(ds))] == ["cats/sub/felix.jpg", "cats/tom.png", "dogs/rex.png"]
    assert [label for _, label in ds] == [0, 0, 1]
    assert ds.skipped == ("dogs/broken.png", "notes.txt")
    img, _ = ds[2]
    assert (img.mode, img.size, img.getpixel((0, 0))) == ("RGB", (20, 16), (0, 0, 255))


def test_folder_without_subfolders_is_one_class(tmp_path):
    _save(tmp_path / "pics" / "a.png", "red")
    assert data.folder(tmp_path / "pics").classes == ["pics"]


def test_folder_fingerprint_changes_with_bytes_not_without(image_folder):
    before = data.folder(image_folder).fingerprint
    assert data.folder(image_folder).fingerprint == before
    (image_folder / "notes.txt").write_text("skipped files do not count")
    assert data.folder(image_folder).fingerprint == before
    _save(image_folder / "dogs" / "rex.png", "green")
    assert data.folder(image_folder).fingerprint != before


def test_folder_errors_are_sentences(tmp_path):
    with pytest.raises(DataError, match="no files"):
        data.folder(tmp_path)
    (tmp_path / "readme.md").write_text("hi")
    with pytest.raises(DataError, match="holds no images"):
        data.folder(tmp_path)
    with pytest.raises(DataError, match="is not a folder"):
        data.folder(tmp_path / "missing")
