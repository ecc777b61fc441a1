"""The torch t-SNE's parts against brute force: FFT-interpolated repulsion against the O(N²) sum, the attraction
against the dense P = V + Vᵀ, bandwidths against their perplexity, fixed-point scatter sums against float64; the
randomized principal components against an SVD; and, on a GPU, the same map for a seed every time."""
import math

import numpy as np
import pytest
import torch
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

import vizcore as vc
from vizcore.embed import maps, principal, search, torchtsne


def exact_repulsion(y: torch.Tensor) -> torch.Tensor:
    """Σ_j w_ij² (y_i - y_j) / Σ_{i≠j} w_ij over every pair, in float64."""
    y = y.double()
    diff = y[:, None] - y[None]
    w = 1 / (1 + diff.square().sum(-1))
    return ((w * w)[..., None] * diff).sum(1) / (w.sum() - len(y))


def two_clouds(n: int, scale: float, seed: int = 0) -> torch.Tensor:
    y = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed)) * scale
    y[: n // 3] += 3 * scale
    return y


@pytest.mark.parametrize("scale, mean_error, max_error", [(1.0, 3e-4, 3e-3), (10.0, 0.04, 0.4)])
def test_fft_repulsion_matches_the_sum_over_every_pair(scale, mean_error, max_error):
    """Errors relative to the mean force. A cloud 10 units wide sits on nodes 1/3 apart (openTSNE's own errors on
    the second cloud: mean 0.029, max 0.29); a narrower one gets finer nodes, as the 50-box minimum makes them."""
    y = two_clouds(2000, scale)
    exact = exact_repulsion(y)
    error = (torchtsne.repulsion(y).double() - exact).norm(dim=1) / exact.norm(dim=1).mean()
    assert error.mean() < mean_error and error.max() < max_error


def test_attraction_is_the_sum_over_the_symmetric_affinities():
    g = torch.Generator().manual_seed(1)
    y, neighbours = torch.randn(60, 2, generator=g) * 3, torch.randint(0, 60, (60, 7), generator=g)
    v = torch.rand(60, 7, generator=g)
    dense = torch.zeros(60, 60, dtype=torch.float64)
    dense.index_put_((torch.arange(60).repeat_interleave(7), neighbours.reshape(-1)), v.double().reshape(-1),
                     accumulate=True)
    p = dense + dense.T
    diff = y.double()[:, None] - y.double()[None]
    expected = ((p / (1 + diff.square().sum(-1)))[..., None] * diff).sum(1)
    torch.testing.assert_close(torchtsne.attraction(y, neighbours, v).double(), expected, rtol=1e-5, atol=1e-6)


def test_each_bandwidth_gives_its_row_the_perplexity_asked_for():
    d2 = torch.rand(200, 90, generator=torch.Generator().manual_seed(2), dtype=torch.float64).sort(1).values * 50
    p = torchtsne.conditional(d2, 30.0).double()
    entropy = -(p * p.clamp_min(1e-30).log()).sum(1)
    torch.testing.assert_close(p.sum(1), torch.ones(200, dtype=torch.float64), rtol=0, atol=1e-6)
    torch.testing.assert_close(entropy, torch.full((200,), math.log(30.0), dtype=torch.float64), rtol=0, atol=1e-4)
    assert (p.diff(dim=1) <= 1e-7).all()  # nearer neighbours weigh more


def test_fixed_point_sums_do_not_depend_on_the_order_of_addition():
    g = torch.Generator().manual_seed(3)
    values = torch.randn(5000, 3, generator=g) * torch.tensor([1.0, 100.0, 1e-3])
    index = torch.randint(0, 40, (5000,), generator=g)
    total = torchtsne.exact_sum(values, index, 40)
    order = torch.randperm(5000, generator=g)
    assert torch.equal(torchtsne.exact_sum(values[order], index[order], 40), total)
    reference = torch.zeros(40, 3, dtype=torch.float64).index_add_(0, index, values.double())
    assert ((total.double() - reference).abs() <= 1e-6 * reference.abs().max(0).values).all()


@pytest.mark.parametrize("spectrum, kept", [(10 * 0.8 ** np.arange(120), None), (np.linspace(10, 0.1, 120), 0.999)])
def test_the_principal_components_are_the_top_singular_vectors(spectrum, kept):
    """With gaps between the singular values, each component is the SVD's; with a flat spectrum, where single
    components are barely defined, the top 20 together still hold 99.9 % of the variance the SVD's hold."""
    rng = np.random.default_rng(5)
    X = (rng.normal(size=(800, 120)) * spectrum) @ np.linalg.qr(rng.normal(size=(120, 120)))[0]
    reduced = principal.Reduction(torch.as_tensor(X, dtype=torch.float32), 20)(X).double().numpy()
    centred = X - X.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:20].T
    if kept:
        assert reduced.var(0).sum() >= kept * expected.var(0).sum()
        return
    signs = np.sign((reduced * expected).sum(0))  # a component's sign is arbitrary
    np.testing.assert_allclose(reduced * signs, expected, rtol=0, atol=1e-4 * np.abs(expected).max())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_a_gpu_the_torch_engine_draws_the_same_separating_map_every_time(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    model = vc.load_model("builtin-digits", device="cuda")
    found = vc.embed.extract(model, vc.data.builtin("digits", split="test"))
    first, second = (maps.fit(found.vectors, "tsne", seed=0, device="cuda") for _ in range(2))  # auto: torch
    np.testing.assert_array_equal(first.points, second.points)
    accuracy = cross_val_score(KNeighborsClassifier(5), first.points, found.labels, cv=5).mean()
    assert accuracy >= 0.9
    on_gpu = search.Index(torch.as_tensor(found.vectors, device="cuda"), "cosine", "cuda")
    np.testing.assert_array_equal(on_gpu.search(found.vectors[:5], 4)[0],
                                  search.Index(found.vectors, "cosine", "cpu").search(found.vectors[:5], 4)[0])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_search_among_a_million_vectors_stays_within_its_memory_budget():
    """1 000 queries against 10⁶ vectors would need a 4 GB distance matrix at once; the search's temporaries stay
    within a few blocks of ``BUDGET`` numbers, and it still finds each query itself first."""
    X = torch.randn(1_000_000, 128, device="cuda", generator=torch.Generator("cuda").manual_seed(0))
    index = search.Index(X, "cosine", "cuda")
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    indices, _ = index.search(X[:1000], 10)
    assert torch.cuda.max_memory_allocated() - base < 3 * search.BUDGET * 4
    np.testing.assert_array_equal(indices[:, 0], np.arange(1000))
