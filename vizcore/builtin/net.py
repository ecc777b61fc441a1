"""MiniAlexNet: AlexNet (Krizhevsky, Sutskever & Hinton 2012) shrunk for 32-64 px inputs.

The module layout is that of torchvision's ``AlexNet`` — ``features`` (five
convolutions with in-place ReLUs and three max-pools, at the same indices),
``avgpool`` and ``classifier`` (dropout, fc6, ReLU, dropout, fc7, ReLU, fc8) — so
every tool labels its layers the same way: conv1 = ``features.0`` ... conv5 =
``features.10``, fc6 = ``classifier.1``, fc7 = ``classifier.4``, fc8 = ``classifier.6``.
Only the widths, the first convolution and the pooled grid are smaller, and the
weights start from He et al.'s (2015) initialisation, as there is no batch norm.
"""
from __future__ import annotations

from torch import Tensor, nn


class MiniAlexNet(nn.Module):
    """AlexNet's layout with configurable widths; conv1 is ``conv1_kernel`` x ``conv1_kernel``."""

    def __init__(
        self,
        num_classes: int = 10,
        widths: tuple[int, int, int, int, int] | list[int] = (32, 64, 96, 96, 64),
        conv1_kernel: int = 7,
        conv1_stride: int = 2,
        hidden: int = 256,
        pool_grid: int = 3,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = widths
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, conv1_kernel, conv1_stride, conv1_kernel // 2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c1, c2, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c2, c3, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c4, c5, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((pool_grid, pool_grid))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(c5 * pool_grid * pool_grid, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )
        # He et al. 2015: without batch norm, PyTorch's default init shrinks the signal layer by layer
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        nn.init.normal_(self.classifier[-1].weight, std=0.01)  # start from uniform predictions

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))
