"""How a scan reads its images: worker processes, the fallbacks, stopping, threads, the device, the progress line.

A scan with workers must give exactly the scan without them, and the images
must really have been read in other processes: a recording dataset writes
the reading process's id into a file for every item.
"""
import io
import multiprocessing
import os
import pickle
import threading
import zipfile
from collections.abc import Sequence

import numpy as np
import pytest
import torch
from conftest import noise_image

import vizcore as vc
from vizcore.core.progress import Meter, duration
from vizcore.data.batches import MIN_BATCHES, usable_workers
from vizcore.patches import scan, store

LAYERS = ["conv2", "conv5", "fc7"]


class Recorded(Sequence):
    """``inner``, noting in the file ``log`` which process reads each item."""

    def __init__(self, inner, log):
        self.inner, self.log = inner, log

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        with open(self.log, "a") as f:
            f.write(f"{os.getpid()}\n")
        return self.inner[i]


@pytest.fixture(scope="module")
def jpegs(tmp_path_factory):
    """40 JPEG files of several sizes in two class folders."""
    root = tmp_path_factory.mktemp("jpegs")
    for i in range(40):
        folder = root / ("odd" if i % 2 else "even")
        folder.mkdir(exist_ok=True)
        noise_image(i, (60 + i, 90 - i)).save(folder / f"{i:02}.jpg", quality=85)
    return vc.data.folder(root)


@pytest.fixture(scope="module")
def shapes_model():
    return vc.load_model("builtin-shapes")


def readers(log) -> list[int]:
    return [int(line) for line in log.read_text().split()]


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name].values, b[name].values), name
        assert torch.equal(a[name].indices, b[name].indices), name
        assert torch.equal(a[name].positions, b[name].positions), name


def test_workers_read_the_jpegs_and_the_scan_is_the_same(jpegs, shapes_model, tmp_path):
    alone = scan(shapes_model, Recorded(jpegs, tmp_path / "alone"), LAYERS, k=5, batch_size=8)
    helped = scan(shapes_model, Recorded(jpegs, tmp_path / "helped"), LAYERS, k=5, batch_size=8, workers=2)
    assert_same(helped, alone)
    assert set(readers(tmp_path / "alone")) == {os.getpid()}
    pids = readers(tmp_path / "helped")
    assert len(pids) == len(jpegs) and os.getpid() not in pids  # every image decoded once, all in workers


def test_small_and_unpicklable_datasets_are_read_here(jpegs, shapes_model, tmp_path):
    batch = 8
    assert usable_workers(jpegs, MIN_BATCHES * batch, batch, 3) == 3
    assert usable_workers(jpegs, MIN_BATCHES * batch, batch, 9) == MIN_BATCHES  # no more workers than batches
    assert usable_workers(jpegs, (MIN_BATCHES - 1) * batch, batch, 3) == 0
    local = vc.data.Dataset(jpegs.classes, "local", len(jpegs), lambda i: jpegs[i], str)
    with pytest.raises((pickle.PicklingError, AttributeError)):  # a local function: AttributeError
        pickle.dumps(local)
    assert usable_workers(local, len(local), batch, 3) == 0
    small = Recorded(jpegs, tmp_path / "small")
    scan(shapes_model, small, LAYERS, k=5, batch_size=batch, indices=range(3 * batch), workers=2)
    assert set(readers(tmp_path / "small")) == {os.getpid()}
    assert_same(scan(shapes_model, local, LAYERS, k=5, batch_size=batch, workers=2),
                scan(shapes_model, jpegs, LAYERS, k=5, batch_size=batch))


def test_a_stopped_scan_leaves_no_worker_running(jpegs, shapes_model):
    alive = []

    def stop(done, total):
        alive.append(len(multiprocessing.active_children()))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan(shapes_model, jpegs, LAYERS, batch_size=8, workers=2, progress=stop)
    assert alive == [2]  # the workers were there while it ran
    assert multiprocessing.active_children() == []


DAMAGE = {"truncated": (lambda data: data[:300], "is truncated or damaged: the file ends before the image does."),
          "not an image": (lambda data: b"these are notes, not a picture\n" * 20,
                           "is not an image that can be read (use JPEG, PNG, GIF, BMP, TIFF or WebP).")}


@pytest.mark.parametrize("damage", DAMAGE)
def test_an_image_that_fails_in_a_worker_gets_the_sentence_it_gets_without_workers(damage, shapes_model, tmp_path):
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(40):
        noise_image(i, (50, 60)).save(root / f"{i:02}.jpg", quality=85)
    dataset = vc.data.folder(root)
    bad = root / "17.jpg"
    change, ending = DAMAGE[damage]
    bad.write_bytes(change(bad.read_bytes()))  # damaged after the folder was read: the scan is first to decode it
    assert dataset.skipped == () and usable_workers(dataset, len(dataset), 8, 1) == 1
    raised = {}
    for workers in (0, 1):
        log = tmp_path / f"read-{workers}"
        with pytest.raises(vc.VizError) as caught:
            scan(shapes_model, Recorded(dataset, log), LAYERS, batch_size=8, workers=workers)
        raised[workers] = caught.value
        assert (os.getpid() in readers(log)) == (workers == 0)  # with a worker, no image is read here
    assert type(raised[0]) is type(raised[1]) is vc.ImageError
    assert str(raised[0]) == str(raised[1]) == f"'{bad}' {ending}"  # one line, naming the file
    assert multiprocessing.active_children() == []  # the worker ended with the scan


def test_every_kind_of_dataset_survives_pickling_as_workers_receive_it(jpegs):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(3):
            png = io.BytesIO()
            noise_image(i, (20, 30)).save(png, "PNG")
            z.writestr(f"cats/{i}.png", png.getvalue())
    sets = [vc.data.builtin("shapes", n=5, seed=2), vc.data.builtin("digits"), vc.data.builtin("samples"), jpegs,
            vc.data.from_zip(archive.getvalue())]
    for dataset in sets:
        copy = pickle.loads(pickle.dumps(dataset))
        assert (copy.fingerprint, copy.classes, len(copy)) == (dataset.fingerprint, dataset.classes, len(dataset))
        for i in (0, len(dataset) - 1):
            assert np.array_equal(np.asarray(copy[i][0]), np.asarray(dataset[i][0])) and copy[i][1] == dataset[i][1]
            assert copy.name(i) == dataset.name(i)


def test_sixteen_threads_scan_as_one(jpegs, shapes_model):
    serial = scan(shapes_model, jpegs, LAYERS, k=4, batch_size=8)
    results = [None] * 16

    def run(i):
        results[i] = scan(shapes_model, jpegs, LAYERS, k=4, batch_size=8, workers=1 if i % 8 == 0 else 0)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        assert_same(result, serial)


def test_layers_scanned_together_are_kept_one_by_one(jpegs, shapes_model, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    batches = []
    handle = shapes_model.module.features[0].register_forward_pre_hook(lambda _, x: batches.append(len(x[0])))
    try:
        together = store.cached_scans(shapes_model, jpegs, ["conv2", "fc7"], k=3, batch_size=16)
        assert len(batches) == 3  # one pass over 40 images for both layers
        more = store.cached_scans(shapes_model, jpegs, ["fc7", "conv5"], k=3, batch_size=16)
        assert len(batches) == 6  # fc7 was kept: one more pass, for conv5 alone
    finally:
        handle.remove()
    for name, top in {**together, **more}.items():
        assert_same({name: store.load(shapes_model, jpegs, name, 3)}, {name: top})
        assert_same({name: top}, scan(shapes_model, jpegs, [name], k=3))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_on_a_gpu_the_top_k_stays_there_until_one_copy_at_the_end(jpegs, monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # full float32, as on the CPU
    gpu, cpu = vc.load_model("builtin-shapes", device="cuda"), vc.load_model("builtin-shapes", device="cpu")
    expected = scan(cpu, jpegs, ["conv5"], k=5, batch_size=4)["features.10"]
    copies = []
    for batch_size in (4, 20):  # 10 batches, then 2: the copies back do not grow with them
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as profile:
            top = scan(gpu, jpegs, ["conv5"], k=5, batch_size=batch_size)["features.10"]
        copies.append(sum(event.count for event in profile.key_averages() if "DtoH" in event.key))
        assert top.values.device.type == "cpu" and torch.equal(top.indices, expected.indices)
        torch.testing.assert_close(top.values, expected.values, rtol=1e-4, atol=1e-5)
    assert copies[0] == copies[1] <= 3


def test_the_progress_line_gives_the_rate_since_the_first_batch_and_the_time_left():
    now = [10.0]
    meter = Meter(clock=lambda: now[0])
    now[0] = 12.0  # the first batch took 2 s, start-up included
    assert meter(64, 1000) == "64 of 1,000 images · 32 images/s · 30 s left"  # 936 / 32 = 29.25 s
    now[0] = 12.5
    assert meter(128, 1000) == "128 of 1,000 images · 128 images/s · 7 s left"  # (128 - 64) / 0.5 s; 872 / 128
    now[0] = 12.5 + 872 / 128
    assert meter(1000, 1000) == "1,000 of 1,000 images · 128 images/s"
    assert [duration(s) for s in (0.2, 59.5, 61, 3599, 7322, float("inf"))] == [
        "under a second", "1 min 0 s", "1 min 1 s", "59 min 59 s", "2 h 2 min", "a while"]
