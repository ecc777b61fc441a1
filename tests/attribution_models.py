"""Small networks for the attribution tests, wrapped as vizcore models (no download, no training)."""
import threading

import torch
from torch import nn
from torch.nn import functional as F

import vizcore as vc

MEAN, STD = (0.4, 0.5, 0.6), (0.2, 0.25, 0.3)


def wrap(module: nn.Module, size: int, classes: int, mean=MEAN, std=STD) -> vc.Model:
    """``module`` (``classes`` scores) as a vizcore model on the CPU: input ``size`` × ``size``, normalized with
    ``mean`` and ``std``."""
    return vc.Model.wrap(module, [f"class {i}" for i in range(classes)], size, mean, std, name="test-net",
                         device="cpu")


class Rendezvous(nn.Module):
    """Passes its input on; when ``barrier`` is set, first waits there for the other threads."""

    def __init__(self):
        super().__init__()
        self.barrier: threading.Barrier | None = None

    def forward(self, x):
        if self.barrier is not None:
            self.barrier.wait(timeout=60)
        return x


class Mixed(nn.Module):
    """ReLUs of every kind: in place, one module used twice (as in ResNet), functional, and a ReLU6.

    ``stages(x)`` lists what the forward pass does as (kind, function)
    pairs, for a backward pass written by hand; ``meet`` and ``meet_again``
    are rendezvous points for the thread tests.
    """

    def __init__(self, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.meet = Rendezvous()
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1)
        self.conv3 = nn.Conv2d(6, 4, 3, stride=2, padding=1)
        self.relu6 = nn.ReLU6(inplace=True)
        self.meet_again = Rendezvous()
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def stages(self):
        return [("linear", self.conv1), ("relu", None), ("linear", self.conv2), ("relu", None),
                ("linear", self.conv3), ("relu", None), ("linear", lambda t: 40 * t), ("relu6", None),
                ("linear", lambda t: self.fc(t.flatten(1)))]

    def forward(self, x):
        x = self.meet(self.relu(self.conv1(x)))
        x = self.relu(self.conv2(x))
        x = F.relu(self.conv3(x))
        x = self.meet_again(self.relu6(40 * x))
        return self.fc(x.flatten(1))


def mixed(seed: int = 0) -> vc.Model:
    return wrap(Mixed(seed).eval(), 16, 5)


def planted(size: int = 32) -> vc.Model:
    """Grad-CAM's test bed: channel 0 of a stride-2 convolution fires on red, channel 1 on blue; class c reads
    channel c.

    Inputs are normalized with mean = std = 0.5, so pixels run from -1 to 1
    and mid-grey is 0, which neither channel sees.
    """
    conv = nn.Conv2d(3, 2, 2, stride=2)
    linear = nn.Linear(2, 2)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, :, 0, 0] = torch.tensor([1.0, -1.0, -1.0])  # red
        conv.weight[1, :, 0, 0] = torch.tensor([-1.0, -1.0, 1.0])  # blue
        conv.bias.fill_(-0.5)
        linear.weight.copy_(torch.tensor([[4.0, 0.5], [0.5, 4.0]]))
        linear.bias.zero_()
    module = nn.Sequential(conv, nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), linear).eval()
    return wrap(module, size, 2, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
