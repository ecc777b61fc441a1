"""t-SNE written in torch, run on the device that holds the vectors: the GPU path of :func:`.maps.fit`.

t-SNE (van der Maaten & Hinton 2008), computed the way openTSNE (Poličar et al. 2024) and FIt-SNE
(Linderman et al. 2019) compute it. Every step is a tensor operation, so a GPU runs the whole thing:

- **Affinities** come from each point's ``3 × perplexity`` exact nearest neighbours (van der Maaten 2014). The
  bandwidths of all points are found by one bisection run over every point at once.
- **Attraction** is summed over those neighbour pairs.
- **Repulsion** uses FFT-accelerated interpolation (Linderman et al. 2019). Each point's charges are spread to a
  uniform grid by quadratic Lagrange interpolation, three nodes to a box of at most unit width. The grid is
  convolved with the kernels 1/(1+r²) and 1/(1+r²)² by FFT, and the result is read back at the points the same way.
- **Gradient descent** follows openTSNE: momentum, the gains of Jacobs (1988), learning rate N / exaggeration
  (Belkina et al. 2019), steps of at most 5 units, and the map re-centred after every step.

Sums into shared slots (scatters) are done in 64-bit fixed point. Integer addition gives the same result in any
order, so a GPU's atomic adds give the same map for a seed every time, as the CPU does.

New points are placed into a finished map as openTSNE's ``transform`` places them. Each new point starts at the
affinity-weighted mean of its neighbours. It then descends its own KL divergence, with perplexity 5 over its 15
nearest map points, while the map stays fixed.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from vizcore.core.progress import Progress
from vizcore.embed.principal import Reduction
from vizcore.embed.search import BUDGET, Index, knn_graph

EXAGGERATION = 12.0
MOMENTA = (0.5, 0.8)
"""Momentum during early exaggeration, then after it."""
MAX_STEP = 5.0
NODES_PER_BOX = 3
MIN_BOXES = 50
"""FIt-SNE's defaults: at least 50 interpolation boxes per axis, each at most one unit wide."""
PLACE_PERPLEXITY, PLACE_ITERATIONS, PLACE_RATE, PLACE_MAX_GRADIENT = 5.0, 100, 0.1, 0.25
"""openTSNE's transform: perplexity 5, learning rate 0.1, gradients clipped to norm 0.25."""


class TorchTSNE:
    """A t-SNE map of the vectors in ``index`` (metric "l2"), made on ``index.device``: ``points`` [N, 2]."""

    def __init__(self, index: Index, perplexity: float, iterations: tuple[int, int], seed: int,
                 progress: Progress | None = None):
        self.index = index
        n = len(index)
        neighbours, p = affinities(index, perplexity)
        y = _initial(index.vectors, seed)
        update, gains = torch.zeros_like(y), torch.ones_like(y)
        early, late = iterations
        for i in range(early + late):
            exaggeration = EXAGGERATION if i < early else 1.0
            gradient = exaggeration * attraction(y, neighbours, p) - repulsion(y)
            update, gains = _step(update, gains, gradient, MOMENTA[i >= early], n / exaggeration, MAX_STEP)
            y = y + update
            y = y - y.mean(0)
            if progress and (i + 1) % 10 == 0:
                progress(i + 1, early + late)
        self.embedding = y

    @property
    def points(self) -> np.ndarray:
        return self.embedding.cpu().numpy()

    def place(self, vectors: np.ndarray) -> np.ndarray:
        """New vectors [M, D] (in the indexed space) placed into the map, which stays as it is: [M, 2]."""
        neighbours, distances = self.index.search(vectors, min(len(self.index), int(3 * PLACE_PERPLEXITY)))
        d2 = torch.as_tensor(distances, device=self.embedding.device, dtype=torch.float64) ** 2
        p = conditional(d2, min(PLACE_PERPLEXITY, max(1.0, d2.shape[1] / 3)))
        near = self.embedding[torch.as_tensor(neighbours, device=self.embedding.device)]  # [M, k, 2]
        y = (p[..., None] * near).sum(1)
        update, gains = torch.zeros_like(y), torch.ones_like(y)
        rows = max(1, BUDGET // len(self.embedding))
        for _ in range(PLACE_ITERATIONS):
            pull = _pulls(y, near, p).sum(1)
            push = torch.cat([_repulsion_from(y[s:s + rows], self.embedding) for s in range(0, len(y), rows)])
            gradient = _clipped(pull - push, PLACE_MAX_GRADIENT)
            update, gains = _step(update, gains, gradient, MOMENTA[1], PLACE_RATE)
            y = y + update
        return y.cpu().numpy()


def affinities(index: Index, perplexity: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Each point's neighbours [N, k] and ``p_{j|i} / 2N`` [N, k]: t-SNE's symmetric P is this V plus its transpose."""
    n = len(index)
    neighbours, distances = knn_graph(index, min(n - 1, int(3 * perplexity)))
    d2 = torch.as_tensor(distances, device=index.device, dtype=torch.float64) ** 2
    return torch.as_tensor(neighbours, device=index.device), conditional(d2, perplexity) / (2 * n)


def conditional(d2: torch.Tensor, perplexity: float, steps: int = 50) -> torch.Tensor:
    """``p_{j|i}`` [M, k] from squared distances [M, k], each row of entropy log(perplexity), as float32.

    The bandwidth is found by bisection on its logarithm, for all rows at once. Distances are first shifted to
    a minimum of 0 and scaled to a mean of 1 per row, so one search range fits every row: the shift cancels in
    the normalisation and the bandwidth found absorbs the scale, so ``p`` is what the raw distances give.
    """
    d = d2 - d2.min(1, keepdim=True).values
    d = d / d.mean(1, keepdim=True).clamp_min(1e-12)
    low, high = torch.full_like(d[:, :1], -30.0), torch.full_like(d[:, :1], 30.0)
    target = math.log(perplexity)
    for _ in range(steps):
        beta = ((low + high) / 2).exp()
        weights = torch.exp(-d * beta)
        total = weights.sum(1, keepdim=True)
        entropy = total.log() + beta * (d * weights).sum(1, keepdim=True) / total
        too_flat = entropy > target
        low, high = torch.where(too_flat, (low + high) / 2, low), torch.where(too_flat, high, (low + high) / 2)
    weights = torch.exp(-d * ((low + high) / 2).exp())
    return (weights / weights.sum(1, keepdim=True)).float()


def attraction(y: torch.Tensor, neighbours: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Σ_j P_ij w_ij (y_i - y_j) [N, 2] for P = V + Vᵀ, V given as ``v`` [N, k] over ``neighbours`` [N, k].

    Each pair's pull acts on both its points, in opposite directions."""
    pull = _pulls(y, y[neighbours], v)
    return pull.sum(1) - exact_sum(pull.reshape(-1, 2), neighbours.reshape(-1), len(y))


def _pulls(y: torch.Tensor, near: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """p_j w_j (y - y_j) [M, k, 2] from each point ``y`` [M, 2] to its neighbours ``near`` [M, k, 2]."""
    diff = y[:, None] - near
    return (p / (1 + diff.square().sum(-1)))[..., None] * diff


def _repulsion_from(y: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Σ_j w_j² (y - y_j) / Σ_j w_j [M, 2] over every reference point, exactly: a new point's own Z."""
    diff = y[:, None] - reference
    w = 1 / (1 + diff.square().sum(-1))
    return ((w * w)[..., None] * diff).sum(1) / w.sum(1, keepdim=True)


def repulsion(y: torch.Tensor) -> torch.Tensor:
    """Σ_j w_ij² (y_i - y_j) / Z [N, 2], by FFT-accelerated interpolation.

    Here w_ij = 1/(1+|y_i - y_j|²) and Z = Σ_{i≠j} w_ij."""
    low, high = torch.stack(torch.aminmax(y)).tolist()  # one wait for the device per step
    span = max(high - low, 1e-12)
    boxes = max(MIN_BOXES, math.ceil(span))
    nodes = boxes * NODES_PER_BOX
    weights, cells = _lagrange((y - low) / (span / boxes), boxes)
    centred = y - (low + span / 2)
    charges = torch.cat([torch.ones_like(y[:, :1]), centred], 1)  # [N, 3]: 1, x, y
    spread = exact_sum((weights[..., None] * charges[:, None]).reshape(-1, 3), cells.reshape(-1), nodes * nodes)
    potentials = _convolved(spread.T.reshape(3, nodes, nodes), span / nodes)
    at_points = (potentials.reshape(4, -1)[:, cells] * weights).sum(-1)  # [4, N]: Σw, Σw², Σw²x, Σw²y
    z = (at_points[0] - 1).sum()  # less each point's own w_ii = 1
    return (centred * at_points[1, :, None] - at_points[2:].T) / z


def _lagrange(x: torch.Tensor, boxes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Interpolation weights [N, 9] and grid cells [N, 9] for points ``x`` [N, 2] in box units, 0 ≤ x ≤ boxes.

    A box holds nodes at 1/6, 1/2 and 5/6 of its width; the quadratic Lagrange polynomials through them weight the
    point's charge to each node, along each axis, and the 2-D weights are their products.
    """
    box = x.floor().clamp(0, boxes - 1)
    t = (x - box) * NODES_PER_BOX - 0.5  # in node spacings from the box's first node
    axis = torch.stack([(t - 1) * (t - 2) / 2, -t * (t - 2), t * (t - 1) / 2], -1)  # [N, 2, 3]
    node = box.long()[..., None] * NODES_PER_BOX + torch.arange(NODES_PER_BOX, device=x.device)  # [N, 2, 3]
    weights = axis[:, 0, :, None] * axis[:, 1, None, :]
    cells = node[:, 0, :, None] * (boxes * NODES_PER_BOX) + node[:, 1, None, :]
    return weights.reshape(-1, 9), cells.reshape(-1, 9)


def _convolved(grid: torch.Tensor, spacing: float) -> torch.Tensor:
    """Charges on the grid [3, n, n] (1, x, y) convolved by FFT: [K1 * 1, K2 * 1, K2 * x, K2 * y], each [n, n].

    Zero padding to 2n makes the FFT's circular convolution the plain one over the grid.
    """
    n = grid.shape[-1]
    offset = torch.arange(2 * n, device=grid.device, dtype=grid.dtype)
    offset = torch.where(offset < n, offset, offset - 2 * n) * spacing
    w = 1 / (1 + offset[:, None].square() + offset[None, :].square())
    k1, k2 = torch.fft.rfft2(torch.stack([w, w * w]))
    charges = torch.fft.rfft2(grid, s=(2 * n, 2 * n))
    products = torch.stack([k1 * charges[0], k2 * charges[0], k2 * charges[1], k2 * charges[2]])
    return torch.fft.irfft2(products, s=(2 * n, 2 * n))[:, :n, :n]


def exact_sum(values: torch.Tensor, index: torch.Tensor, size: int) -> torch.Tensor:
    """``values`` [E, C] summed into ``size`` rows by ``index`` [E], in any order to the same bits.

    Each column is scaled so that the sum of its magnitudes fits in 62 bits, rounded to integers, added as int64
    and scaled back: about 19 significant digits of the column's total, more than float32 holds.
    """
    magnitude = values.abs().sum(0, dtype=torch.float64).clamp_min(1e-300)
    scale = torch.exp2(62 - torch.ceil(torch.log2(magnitude)))
    fixed = torch.round(values.double() * scale).long()
    total = torch.zeros(size, values.shape[1], dtype=torch.long, device=values.device).index_add_(0, index, fixed)
    return (total.double() / scale).to(values.dtype)


def _initial(vectors: torch.Tensor, seed: int) -> torch.Tensor:
    """openTSNE's start: the top two principal components scaled to a standard deviation of 1e-4 on the first,
    plus seeded jitter of 1 % of that, so that duplicate vectors start apart (and can move apart)."""
    y = Reduction(vectors, 2, seed)(vectors).double()
    y = y / y[:, 0].std().clamp_min(1e-300) * 1e-4
    jitter = torch.randn(y.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return (y + jitter.to(y.device) * 1e-6).float()


def _step(update, gains, gradient, momentum: float, rate: float, max_step: float | None = None):
    """One step of gradient descent with momentum and Jacobs's gains (as openTSNE takes it): (update, gains)."""
    flipped = torch.sign(update) != torch.sign(gradient)
    gains = torch.where(flipped, gains + 0.2, gains * 0.8 + 0.01)
    update = momentum * update - rate * gains * gradient
    if max_step is not None:
        update = _clipped(update, max_step)
    return update, gains


def _clipped(vectors: torch.Tensor, most: float) -> torch.Tensor:
    """Each row scaled down to a norm of at most ``most``."""
    return vectors * (most / vectors.norm(dim=1, keepdim=True).clamp_min(1e-12)).clamp(max=1)
