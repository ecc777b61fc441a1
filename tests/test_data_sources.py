"""vc.data.from_zip (an uploaded zip, unpacked without escaping its folder or filling the disk) and vc.data.download."""
import io
import zipfile

import numpy as np
import pytest
from conftest import noise_image

import vizcore as vc


def png(seed: int) -> bytes:
    buffer = io.BytesIO()
    noise_image(seed, (20, 24)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_classes_from_folders_inside_one_wrapping_folder_and_what_was_left_out(tmp_path):
    data = make_zip({"photos/cats/a.png": png(0), "photos/cats/b.png": png(1), "photos/dogs/c.png": png(2),
                     "photos/notes.txt": b"not an image", "photos/../../escape.png": png(3)})
    (tmp_path / "upload.zip").write_bytes(data)
    dataset = vc.data.from_zip(tmp_path / "upload.zip")
    assert dataset.classes == ["cats", "dogs"] and len(dataset) == 3
    assert [dataset.name(i) for i in range(3)] == ["cats/a.png", "cats/b.png", "dogs/c.png"]
    img, label = dataset[2]
    assert label == 1 and np.array_equal(np.asarray(img), np.asarray(noise_image(2, (20, 24))))
    assert set(dataset.skipped) == {"photos/../../escape.png", "notes.txt"}
    assert vc.data.from_zip(io.BytesIO(data)).fingerprint == dataset.fingerprint  # same content, same key


@pytest.mark.parametrize("name", ["../up.png", "/etc/abs.png", "C:/drive.png", "a/../../up.png"])
def test_names_that_climb_out_are_never_written(name, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "deep" / "er"))
    dataset = vc.data.from_zip(make_zip({"ok/x.png": png(4), name: png(5)}))
    assert dataset.skipped == (name,) and len(dataset) == 1
    written = {p.name for p in tmp_path.rglob("*.png")}
    assert written == {"x.png"}


def test_a_zip_bomb_stops_at_the_byte_limit_whatever_its_headers_say():
    bomb = make_zip({"zeros/a.png": bytes(5 << 20)})  # 5 MB of zeros, a few kB packed
    assert len(bomb) < 50_000
    with pytest.raises(vc.DataError, match="more than 1 MB"):
        vc.data.from_zip(bomb, max_bytes=1 << 20)


def test_too_many_files_not_a_zip_and_no_images_get_a_sentence():
    with pytest.raises(vc.DataError, match="holds 3 files; at most 2"):
        vc.data.from_zip(make_zip({f"{i}.png": png(i) for i in range(3)}), max_files=2)
    with pytest.raises(vc.DataError, match="not a readable zip"):
        vc.data.from_zip(b"PK but not really")
    with pytest.raises(vc.DataError, match="^The zip holds no images"):
        vc.data.from_zip(make_zip({"readme.txt": b"hello"}))


def test_a_downloadable_dataset_offline_gets_one_sentence(tmp_path):
    with pytest.raises(vc.DataError, match=r"^CIFAR-10 \(163 MB\) is not in .* could not be downloaded .*: connect to "
                                           r"the internet, or copy cifar-10-python.tar.gz into"):
        vc.data.download("cifar10", root=tmp_path)


def test_imagenette_where_torchvision_keeps_it_is_read_without_a_download(tmp_path):
    for wnid, seed in (("n01440764", 0), ("n01440764", 1), ("n03000684", 2)):
        folder = tmp_path / "imagenette2-160" / "val" / wnid
        folder.mkdir(parents=True, exist_ok=True)
        noise_image(seed, (30, 40)).save(folder / f"img{seed}.JPEG", quality=95)
    dataset = vc.data.download("imagenette", root=tmp_path)
    assert len(dataset) == 3 and dataset.classes == ["tench", "chain saw"]
    assert [dataset[i][1] for i in range(3)] == [0, 0, 1] and dataset[2][0].size == (40, 30)
    assert dataset.name(2) == "chain saw #2" and len(vc.data.download("imagenette", root=tmp_path, n=2)) == 2
