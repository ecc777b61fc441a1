"""What a picture is pulled towards — the content's features and the styles' Gram matrices — kept so that only what
changed is recomputed.

Targets are kept per loss network (weakly: a model that is dropped takes its
targets with it), keyed by the layer and the exact pixels of the picture they
come from, at most ``KEPT`` per network. Changing one style image of three,
or the weights of a blend, or the trade-off, runs the network on nothing
but the new image. Safe to call from many threads.
"""
from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict

import torch

from vizcore.style.grams import gram
from vizcore.style.networks import LossNetwork

KEPT = 64
_lock = threading.Lock()
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def digest(x: torch.Tensor) -> str:
    """A key for the exact values of a picture tensor."""
    data = x.detach().float().cpu().contiguous()
    return hashlib.blake2b(repr(tuple(data.shape)).encode() + data.numpy().tobytes(), digest_size=16).hexdigest()


def content_features(net: LossNetwork, picture: torch.Tensor) -> torch.Tensor:
    """The content layer's features [1, C, H, W] of a picture [1, 3, H, W] (on the model's device)."""
    return _features(net, picture, [net.content_layer], "features", lambda f: f)[net.content_layer]


def style_grams(net: LossNetwork, picture: torch.Tensor, layers) -> dict[str, torch.Tensor]:
    """``{layer: normalized Gram matrix [C, C]}`` of a style picture [1, 3, H, W] at ``layers`` (module paths)."""
    return _features(net, picture, list(layers), "gram", lambda f: gram(f)[0])


def _features(net: LossNetwork, picture: torch.Tensor, layers: list[str], kind: str, reduce) -> dict[str, torch.Tensor]:
    key = digest(picture)
    with _lock:
        kept = _kept.setdefault(net.model, OrderedDict())
        found = {layer: kept.get((kind, layer, key)) for layer in layers}
        for layer in layers:
            if found[layer] is not None:
                kept.move_to_end((kind, layer, key))
    missing = [layer for layer in layers if found[layer] is None]
    if missing:
        with torch.no_grad():
            computed = net.features(picture.to(net.model.device), missing)
        with _lock:
            for layer in missing:
                found[layer] = kept[(kind, layer, key)] = reduce(computed[layer]).detach()
            while len(kept) > KEPT:
                kept.popitem(last=False)
    return found
