"""Progress of long work: the :class:`Step` optimisations yield, the ``Progress`` callback of passes over data,
and the :class:`Meter` that turns either into the line under a progress bar.

Iterative methods (``vc.synthesis``, ``vc.style``) are generators: every few
iterations they yield a :class:`Step`, so that a page can show progress and a
live preview and stop by no longer iterating, and a notebook can simply take
the last one. Passes over data (scans, feature extraction, downloads,
occlusion) take a ``progress(done, total)`` callback instead, which may raise
to stop them.

    meter = Meter()
    for done in ...:
        print(meter(done, total))   # "1,280 of 5,000 images · 830 images/s · 5 s left"

The rate is measured from the first report on, so the time a pass needs to
start (worker processes, a first batch) does not spoil the estimate of the rest.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

__all__ = ["Meter", "Progress", "Step", "duration"]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` during a long pass; it may raise to stop the pass."""


@dataclass(frozen=True)
class Step:
    """One report from an optimisation: after ``i`` of ``total`` iterations, the ``loss`` and the current ``image``.

    ``image`` is always one PIL RGB picture; work that makes several at once
    (a sweep, a layer mosaic, facets, a diverse batch) also carries them all
    in ``images`` (``image`` is then a montage or the first). ``parts`` names
    the terms of the loss or other curves worth drawing (e.g. ``{"score": ..}``
    or ``{"style": .., "content": ..}``); a batch's parts may hold lists.
    """

    i: int
    total: int
    loss: float
    image: Image.Image
    parts: dict = field(default_factory=dict)
    images: list[Image.Image] = field(default_factory=list)


class Meter:
    """Called as ``meter(done, total)`` after each step, it returns the progress line for that moment."""

    def __init__(self, unit: str = "images", clock: Callable[[], float] = time.perf_counter):
        self.unit, self.clock = unit, clock
        self.start = clock()
        self.first: tuple[float, int] | None = None  # (time, done) of the first report

    def rate(self, done: int) -> float:
        """Items per second: since the first report, or since the start at the first report."""
        now = self.clock()
        if self.first is None:
            self.first = (now, done)
            return done / max(now - self.start, 1e-9)
        since, before = self.first
        return (done - before) / max(now - since, 1e-9)

    def __call__(self, done: int, total: int) -> str:
        rate = self.rate(done)
        line = f"{done:,} of {total:,} {self.unit} · {rate:,.0f} {self.unit}/s"
        if done >= total:
            return line
        return f"{line} · {duration((total - done) / rate if rate > 0 else math.inf)} left"


def duration(seconds: float) -> str:
    """"under a second", "42 s", "3 min 5 s", "2 h 7 min" (seconds rounded up; "a while" when unknown)."""
    if not math.isfinite(seconds):
        return "a while"
    if seconds < 1:
        return "under a second"
    whole = math.ceil(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
