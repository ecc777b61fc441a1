"""vc.embed: features against per-image activations, neighbours against brute force, PCA against an SVD, maps that
separate the digits and take their own points back, the lattice against an exhaustive search."""
import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

import vizcore as vc
from vizcore.embed import lattice, maps, search


@pytest.fixture(scope="module")
def digits_model():
    return vc.load_model("builtin-digits", device="cpu")


@pytest.fixture(scope="module")
def digits_features(digits_model, tmp_path_factory):
    cache = tmp_path_factory.mktemp("embed-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEEPVIS_CACHE", str(cache))
        return vc.embed.extract(digits_model, vc.data.builtin("digits", split="test"))


FITS = {"tsne": {"method": "tsne", "engine": "opentsne"}, "tsne-torch": {"method": "tsne", "engine": "torch"},
        "umap": {"method": "umap"}}
"""The maps under test, by name: t-SNE by each engine, and UMAP."""


@pytest.fixture(scope="module")
def digit_maps(digits_features):
    return {name: maps.fit(digits_features.vectors, seed=0, **how) for name, how in FITS.items()}


def test_the_default_layer_is_the_one_before_the_classifier(digits_model):
    assert digits_model.layer(vc.embed.penultimate(digits_model)).label == "fc7"
    assert vc.embed.penultimate(vc.load_model("alexnet", weights=None, device="cpu")) == "classifier.4"  # fc7
    assert vc.embed.penultimate(vc.load_model("resnet18", weights=None, device="cpu")) == "avgpool"


def test_features_are_each_images_activations_and_prediction(digits_model, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    dataset = vc.data.builtin("digits", n=70)
    found = vc.embed.extract(digits_model, dataset, batch_size=32)
    assert found.layer == "classifier.4" and found.vectors.shape == (70, 256)
    for i in (0, 33, 69):
        img, label = dataset[i]
        np.testing.assert_allclose(found.vectors[i], digits_model.activations(img, ["fc7"])["fc7"],
                                   rtol=1e-4, atol=1e-5)
        assert found.predicted[i] == digits_model.probabilities(img).argmax() and found.labels[i] == label
    conv5 = digits_model.activations(dataset[5][0], ["conv5"])["conv5"]
    np.testing.assert_allclose(vc.embed.features(digits_model, dataset, "conv5")[5], conv5.mean((1, 2)),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(vc.embed.features(digits_model, dataset, "conv5", pooling="flatten")[5],
                               conv5.flatten(), rtol=1e-4, atol=1e-5)


def test_features_are_kept_on_disk_and_a_stopped_run_keeps_nothing(digits_model, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    dataset = vc.data.builtin("digits", n=100)

    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        vc.embed.extract(digits_model, dataset, batch_size=10, progress=stop)
    assert not list(tmp_path.rglob("*.npz"))
    first = vc.embed.extract(digits_model, dataset)
    batches = []
    handle = digits_model.module.register_forward_pre_hook(lambda _, inputs: batches.append(len(inputs[0])))
    try:
        again = vc.embed.extract(digits_model, dataset)
    finally:
        handle.remove()
    assert batches == [] and len(list((tmp_path / "embeddings").glob("*.npz"))) == 1
    np.testing.assert_array_equal(again.vectors, first.vectors)
    np.testing.assert_array_equal(again.predicted, first.predicted)


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_neighbours_equal_brute_force_however_the_work_is_chunked(metric):
    rng = np.random.default_rng(0)
    X, queries = rng.normal(size=(3000, 64)).astype(np.float32), rng.normal(size=(40, 64)).astype(np.float32)
    x, q = X.astype(np.float64), queries.astype(np.float64)
    if metric == "cosine":
        brute = 1 - (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (x / np.linalg.norm(x, axis=1, keepdims=True)).T
    else:
        brute = np.linalg.norm(q[:, None] - x[None], axis=-1)
    expected = np.argsort(brute, axis=1)[:, :7]
    for budget in (search.BUDGET, 5000):  # one block, and blocks of a few queries over chunks of 125 vectors
        indices, distances = search.Index(X, metric, "cpu", budget=budget).search(queries, 7)
        np.testing.assert_array_equal(indices, expected)
        np.testing.assert_allclose(distances, np.take_along_axis(brute, expected, 1), rtol=1e-5, atol=1e-6)
    one, one_d = vc.embed.neighbors(X, queries[3], k=7, metric=metric)
    np.testing.assert_array_equal(one, expected[3])
    assert one_d.shape == (7,)


def test_the_neighbour_graph_leaves_each_point_out_even_among_duplicates():
    X = np.random.default_rng(1).normal(size=(50, 5)).astype(np.float32)
    X[7] = X[3]  # an exact duplicate: either may come first
    indices, distances = search.knn_graph(search.Index(X, "l2", "cpu"), 4)
    assert indices.shape == (50, 4) and not (indices == np.arange(50)[:, None]).any()
    assert 7 in indices[3] and 3 in indices[7] and distances[3, 0] == 0


def test_pca_is_the_projection_on_the_top_two_singular_vectors():
    X = np.random.default_rng(2).normal(size=(200, 30)) * np.linspace(5, 0.1, 30)
    points = vc.embed.project(X, "pca")
    centred = X - X.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T
    signs = np.sign((points * expected).sum(0))  # a component's sign is arbitrary
    np.testing.assert_allclose(points * signs, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(points, PCA(2).fit_transform(X), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", FITS)
def test_the_digits_map_separates_the_classes(digit_maps, digits_features, name):
    knn = KNeighborsClassifier(5)
    accuracy = cross_val_score(knn, digit_maps[name].points, digits_features.labels, cv=5).mean()
    assert accuracy >= 0.9


def test_the_torch_t_sne_keeps_the_neighbourhoods_opentsne_keeps(digit_maps, digits_features):
    """The same method, written twice: trustworthiness (k = 10) within 0.005 of openTSNE's."""
    kept = {name: trustworthiness(digits_features.vectors, digit_maps[name].points, n_neighbors=10)
            for name in ("tsne", "tsne-torch")}
    assert kept["tsne-torch"] >= kept["tsne"] - 0.005 and kept["tsne"] > 0.95


@pytest.mark.parametrize("name", ["pca", *FITS])
def test_a_point_placed_back_into_its_own_map_lands_by_its_original(digit_maps, digits_features, name):
    fitted = digit_maps.get(name) or maps.fit(digits_features.vectors, name)
    chosen = np.arange(0, 359, 36)
    placed = fitted.place(digits_features.vectors[chosen])
    if name == "pca":
        np.testing.assert_allclose(placed, fitted.points[chosen], rtol=1e-5, atol=1e-5)
        return
    span = np.ptp(fitted.points, axis=0).max()
    away = np.linalg.norm(placed - fitted.points[chosen], axis=1) / span  # a random place: about 0.3
    assert np.median(away) < 0.02 and away.max() < 0.05
    for point, i in zip(placed, chosen, strict=True):
        nearest, _ = search.Index(fitted.points, "l2", "cpu").search(point, 20)  # UMAP packs a class tightly
        assert i in nearest
    assert fitted.place(digits_features.vectors[0]).shape == (2,)


def test_maps_are_deterministic_given_a_seed(digit_maps, digits_features):
    X = digits_features.vectors
    np.testing.assert_array_equal(maps.fit(X, "tsne", seed=0).points, digit_maps["tsne"].points)
    np.testing.assert_array_equal(maps.fit(X, "umap", seed=0).points, digit_maps["umap"].points)
    assert not np.allclose(maps.fit(X, "tsne", seed=1).points, digit_maps["tsne"].points)
    np.testing.assert_array_equal(maps.fit(X, "tsne", seed=0, engine="torch").points, digit_maps["tsne-torch"].points)
    assert not np.allclose(maps.fit(X, "tsne", seed=1, engine="torch").points, digit_maps["tsne-torch"].points)


@pytest.mark.parametrize("name", FITS)
def test_progress_counts_the_work_and_a_stop_ends_it(digits_features, name):
    seen = []

    def stop_at_the_third(done, total):
        seen.append((done, total))
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        maps.fit(digits_features.vectors, progress=stop_at_the_third, **FITS[name])
    total = maps.UMAP_EPOCHS if name == "umap" else sum(maps.TSNE_ITERATIONS)
    assert len(seen) == 3 and all(t == total for _, t in seen) and seen[0][0] < seen[2][0] < total


def test_the_lattice_is_the_cheapest_permutation():
    points = np.random.default_rng(3).uniform(size=(6, 2))
    cells = vc.embed.snap(points, rows=2, cols=3)
    assert sorted(cells) == list(range(6))
    scaled = (points - points.min(0)) / (points.max(0) - points.min(0)) * [2, 1]
    centre = np.array([[c % 3, 1 - c // 3] for c in range(6)])  # reading order, the top row first

    def cost(assignment):
        return ((scaled - centre[list(assignment)]) ** 2).sum()

    assert np.isclose(cost(cells), min(cost(p) for p in itertools.permutations(range(6))))
    square = np.array([[c, -r] for r in range(4) for c in range(5)], dtype=float)[:17]  # 17 points on a 4×5 grid
    np.testing.assert_array_equal(vc.embed.snap(square, 4, 5), np.arange(17))


def test_the_grid_picture_puts_each_image_in_its_cell():
    from PIL import Image

    images = [Image.new("RGB", (10, 10), (40 * i, 0, 0)) for i in range(5)]
    cells = np.array([4, 0, 2, 1, 3])
    picture = np.asarray(vc.embed.picture(images, cells, cols=3, rows=2, size=8))
    for img, cell in zip(images, cells, strict=True):
        row, col = divmod(int(cell), 3)
        assert (picture[1 + row * 9 + 4, 1 + col * 9 + 4] == img.getpixel((0, 0))).all()  # 1-pixel gaps
    assert (picture[1 + 9 + 4, 1 + 2 * 9 + 4] == 255).all()  # the sixth cell is empty


def test_bad_input_gets_a_sentence():
    with pytest.raises(vc.DataError, match="at least 10"):
        maps.fit(np.zeros((4, 3)), "tsne")
    with pytest.raises(vc.DataError, match="not finite"):
        maps.fit(np.full((20, 3), np.nan), "pca")
    with pytest.raises(vc.DataError, match="not 'mds'"):
        maps.fit(np.zeros((20, 3)), "mds")
    with pytest.raises(vc.DataError, match="not 'cuml'"):
        maps.fit(np.zeros((20, 3)), "tsne", engine="cuml")
    with pytest.raises(vc.DataError, match="cosine or l2"):
        vc.embed.neighbors(np.zeros((5, 3)), np.zeros(3), metric="dot")
    with pytest.raises(vc.DataError, match="needs 3 numbers"):
        vc.embed.neighbors(np.zeros((5, 3)), np.zeros(4))
    with pytest.raises(vc.DataError, match="cannot hold"):
        vc.embed.snap(np.zeros((10, 2)), rows=3, cols=3)
    assert lattice.shape(10) == (3, 4)


def test_sixteen_threads_get_what_one_gets(digits_model):
    dataset = vc.data.builtin("digits", n=48)
    images = [dataset[i][0] for i in range(48)]
    X = np.random.default_rng(4).normal(size=(2000, 32)).astype(np.float32)
    index = search.Index(X, "cosine", "cpu")

    def work(t):
        return vc.embed.encode(digits_model, images[t:t + 16]), index.search(X[t * 10:t * 10 + 5], 6)

    serial = [work(t) for t in range(16)]
    with ThreadPoolExecutor(16) as pool:
        parallel = list(pool.map(work, range(16)))
    for (vectors, (i, d)), (vectors_, (i_, d_)) in zip(serial, parallel, strict=True):
        assert torch.equal(torch.from_numpy(vectors), torch.from_numpy(vectors_))
        np.testing.assert_array_equal(i, i_)
        np.testing.assert_array_equal(d, d_)
