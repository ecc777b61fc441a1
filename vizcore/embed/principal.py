"""The top principal components of a set of vectors, found on the device that holds them.

t-SNE and UMAP first reduce the vectors to their top 50 components. Each
component is a direction of greatest variance (Pearson 1901). They are found by
the randomized range finder of Halko, Martinsson & Tropp (2011). The
algorithm multiplies the centred data by a seeded Gaussian matrix, takes seven
power iterations with a QR factorisation after each product, and computes
an SVD of the small projected matrix. That is what scikit-learn's
randomized PCA does for so few components. Here it is done with torch on
the vectors' own device, so the reduction before a GPU t-SNE also runs on
the GPU.
"""
from __future__ import annotations

import torch

from vizcore.embed.search import float_tensor

OVERSAMPLING, POWER_ITERATIONS = 10, 7


class Reduction:
    """Projection onto the top ``k`` principal components of ``X`` [N, D] (a tensor, on its device)."""

    def __init__(self, X: torch.Tensor, k: int, seed: int = 0):
        self.mean = X.mean(0)
        centred = X - self.mean
        width = min(k + OVERSAMPLING, *X.shape)
        probe = torch.randn(X.shape[1], width, generator=torch.Generator().manual_seed(seed))
        basis = torch.linalg.qr(centred @ probe.to(X.device)).Q
        for _ in range(POWER_ITERATIONS):
            basis = torch.linalg.qr(centred @ torch.linalg.qr(centred.T @ basis).Q).Q
        _, _, vt = torch.linalg.svd(basis.T @ centred, full_matrices=False)
        axes = vt[:k].T  # [D, k], greatest variance first
        largest = axes[axes.abs().argmax(0), torch.arange(axes.shape[1], device=axes.device)]
        self.axes = axes * torch.sign(largest)  # a component's sign is arbitrary: its largest entry is made positive

    def __call__(self, x) -> torch.Tensor:
        """Vectors [M, D] (an array or a tensor) in component coordinates: [M, k] on the reduction's device."""
        return (float_tensor(x).to(self.mean.device) - self.mean) @ self.axes
