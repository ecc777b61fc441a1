"""Capture intermediate outputs of a shared model without mutating it per call.

A model is shared by every browser session of the app, so hooks must not be
added and removed around each call (another thread's forward pass would see
them). Instead :class:`Recorder` installs one forward hook per module once, when
the model is loaded; each hook looks up the *calling thread's* capture request
in a :class:`contextvars.ContextVar` and does nothing when there is none. Many
threads can therefore run forward passes at the same time, each capturing its
own layers.

Captured tensors are cloned inside the hook: torchvision's AlexNet, VGG and
ResNet use in-place ReLU, which would otherwise overwrite a captured
convolution output later in the same pass. A capture *in the graph* (for
gradients with respect to a layer, as Grad-CAM needs) keeps the layer's own
output tensor instead and hands the rest of the network a clone of it, so
later in-place operations change the clone and not the captured tensor.
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

import torch
from torch import nn

OUTPUT = "output"
"""Name under which the model's own return value is captured (always available)."""


class _StopForward(Exception):
    """Raised inside a hook once every requested layer has been captured."""


@dataclass
class _Request:
    wanted: frozenset[str]
    stop_early: bool
    in_graph: bool = False
    results: dict[str, torch.Tensor] = field(default_factory=dict)


_request: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("vizcore_capture", default=None)


class Recorder:
    """Permanent, thread-scoped forward hooks on every named submodule of ``module``."""

    def __init__(self, module: nn.Module):
        self.module = module
        self.hookable = not isinstance(module, torch.jit.ScriptModule)
        self.names = {name for name, _ in module.named_modules() if name} if self.hookable else set()
        if self.hookable:
            for name, sub in module.named_modules():
                if name:
                    sub.register_forward_hook(self._hook_for(name))

    @staticmethod
    def _hook_for(name: str):
        def hook(_module, _inputs, output):
            request = _request.get()
            if request is None or name not in request.wanted or name in request.results:
                return  # not asked for here, or a module called twice: its first call counts
            if not isinstance(output, torch.Tensor):
                return
            request.results[name] = output if request.in_graph else output.detach().clone()
            if request.stop_early and request.wanted <= request.results.keys():
                raise _StopForward
            if request.in_graph:
                return output.clone()  # the network goes on with a copy: in-place ops leave ours intact

        return hook

    def run(self, x: torch.Tensor, layers, stop_early: bool = True, in_graph: bool = False) -> dict[str, torch.Tensor]:
        """One forward pass of ``x`` returning ``{layer: output [B, ...]}`` for ``layers``.

        ``stop_early`` ends the pass as soon as the last requested layer is
        captured (the rest of the network is not computed). The special name
        ``"output"`` is the model's return value. ``in_graph`` returns the
        tensors as the forward pass made them, attached to the autograd graph
        (call it with gradients enabled), instead of detached copies.
        """
        wanted = frozenset(layers)
        unknown = wanted - self.names - {OUTPUT}
        if unknown:
            raise KeyError(f"No layer named {', '.join(sorted(unknown))} in this model.")
        hooked = wanted - {OUTPUT}
        request = _Request(hooked, stop_early=stop_early and OUTPUT not in wanted, in_graph=in_graph)
        token = _request.set(request)
        try:
            output = self.module(x)
        except _StopForward:
            output = None
        finally:
            _request.reset(token)
        if OUTPUT in wanted:
            request.results[OUTPUT] = output if in_graph else output.detach()
        missing = hooked - request.results.keys()
        if missing:
            raise KeyError(f"Layer {', '.join(sorted(missing))} produced no tensor in the forward pass.")
        return request.results
