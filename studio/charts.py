"""Plotly figures shared by the pages."""
from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go

from vizcore.activations.grids import TileLayout

BLUE, RED = "#4C78A8", "#E45756"


def top_k_bars(predictions: list[tuple[str, float]]) -> go.Figure:
    """Horizontal bars of class probabilities, the most probable on top; class names are always categories (the
    digits model's "0" … "9" too, which Plotly would otherwise put on a numeric axis)."""
    labels = [label for label, _ in predictions][::-1]
    probs = [p for _, p in predictions][::-1]
    fig = go.Figure(go.Bar(x=probs, y=labels, orientation="h", text=[f"{p:.1%}" for p in probs],
                           textposition="auto", marker_color=BLUE))
    fig.update_layout(xaxis=dict(range=[0, 1], tickformat=".0%", title="probability"),
                      yaxis=dict(type="category", categoryorder="array", categoryarray=labels),
                      height=60 + 40 * len(labels), margin=dict(l=10, r=10, t=10, b=40))
    return fig


def tile_picker(png: bytes, layout: TileLayout, selected: int | None = None, width: int = 600) -> go.Figure:
    """A grid picture that can be clicked: an invisible marker at each tile's centre, the selected tile outlined.

    With ``hoverdistance=-1`` a click anywhere picks the nearest centre, i.e.
    the tile under the pointer; the picked point's (x, y) are picture pixels,
    so ``layout.channel_at(x, y)`` names the channel. The chart is as tall as
    the picture when shown ``width`` pixels wide.
    """
    width_px, height_px = layout.size
    centers = np.array([layout.center(c) for c in range(layout.count)])
    fig = go.Figure(go.Image(source="data:image/png;base64," + base64.b64encode(png).decode(), x0=0.5, y0=0.5,
                             hoverinfo="skip"))
    invisible = dict(marker=dict(opacity=0))
    fig.add_trace(go.Scatter(x=centers[:, 0], y=centers[:, 1], mode="markers", marker=dict(size=8, opacity=0),
                             customdata=np.arange(layout.count), hovertemplate="unit %{customdata}<extra></extra>",
                             selected=invisible, unselected=invisible))
    if selected is not None:
        left, top, right, bottom = layout.box(selected)
        fig.add_shape(type="rect", x0=left - 0.5, y0=top - 0.5, x1=right + 0.5, y1=bottom + 0.5,
                      line=dict(color=RED, width=3))
    fig.update_xaxes(visible=False, range=[0, width_px])
    fig.update_yaxes(visible=False, range=[height_px, 0], scaleanchor="x")
    fig.update_layout(height=min(900, max(120, round(width * height_px / width_px))), margin=dict(l=0, r=0, t=0, b=0),
                      hovermode="closest", hoverdistance=-1,
                      dragmode=False, showlegend=False)
    return fig


def sorted_bars(values: np.ndarray, name: str, selected: int | None = None) -> go.Figure:
    """One bar per index, tallest first; x holds the index (as text), the selected one is red."""
    order = np.argsort(-np.asarray(values), kind="stable")
    fig = go.Figure(go.Bar(x=[str(i) for i in order], y=values[order],
                           marker_color=[RED if i == selected else BLUE for i in order],
                           hovertemplate=f"{name} %{{x}}: %{{y:.3g}}<extra></extra>"))
    fig.update_xaxes(type="category", title=f"{name} (sorted)", showticklabels=len(order) <= 64)
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=40), bargap=0.1)
    return fig


def vector(values: np.ndarray, selected: int | None = None) -> go.Figure:
    """A vector layer: bars for up to 128 units, a heat strip beyond; the selected unit marked."""
    values = np.asarray(values)
    if len(values) <= 128:
        fig = go.Figure(go.Bar(y=values, marker_color=[RED if i == selected else BLUE for i in range(len(values))],
                               hovertemplate="unit %{x}: %{y:.3g}<extra></extra>"))
        fig.update_layout(height=260)
    else:
        signed = values.min() < 0
        fig = go.Figure(go.Heatmap(z=values[None], colorscale="RdBu_r" if signed else "Viridis",
                                   zmid=0 if signed else None, hovertemplate="unit %{x}: %{z:.3g}<extra></extra>"))
        fig.update_yaxes(visible=False)
        if selected is not None:
            fig.add_vline(x=selected, line=dict(color=RED, width=2))
        fig.update_layout(height=160)
    fig.update_xaxes(title="unit")
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=40))
    return fig


def histogram(counts: np.ndarray, edges: np.ndarray) -> go.Figure:
    """Precomputed histogram counts as bars on a log scale (a ReLU's zeros would dwarf the rest)."""
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color=BLUE,
                           hovertemplate="%{x:.3g}: %{y}<extra></extra>"))
    fig.update_yaxes(type="log", title="values")
    fig.update_xaxes(title="activation")
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=40), bargap=0)
    return fig


def loss_curves(curves, x: str = "step", log_x: bool = False, selected: float | None = None) -> go.Figure:
    """The style and content losses (columns of ``curves``) against ``x`` on a log scale (leaving out values too
    small to show, such as the content loss of the content itself); ``selected`` marks an x."""
    fig = go.Figure([go.Scatter(x=curves[x], y=curves[name].where(curves[name] > 1e-6), name=f"{name} loss",
                                mode="lines+markers", line=dict(color=colour))
                     for name, colour in (("style", RED), ("content", BLUE)) if name in curves])
    if selected is not None:
        fig.add_vline(x=selected, line=dict(color="grey", dash="dot"))
    fig.update_xaxes(title=x, type="log" if log_x else "linear")
    if log_x:  # ticks at the computed values only, not plotly's 2 and 5 of every decade
        ticks = sorted(set(curves[x]))
        fig.update_xaxes(tickvals=ticks, ticktext=[f"{tick:g}" for tick in ticks])
    shown = curves[[name for name in ("style", "content") if name in curves]].to_numpy(float)
    shown = shown[shown > 1e-6]
    decades = np.log10(shown.max() / shown.min()) if shown.size else 0.0
    fig.update_yaxes(title="relative loss", type="log", dtick=1 if decades > 1 else None, exponentformat="power")
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=10, b=40), legend=dict(orientation="h", y=1.1))
    return fig


def embedding_scatter(points: np.ndarray, groups: list[str], hover: list[str], order: list[str],
                      marked: tuple[float, float] | None = None, marked_name: str = "") -> go.Figure:
    """A 2-D map, one colour per group (legend in ``order``); each point's customdata is its index into ``points``.

    ``hover``: the text shown for each point. ``marked``: a point drawn as a
    large star (the current image placed into the map).
    """
    groups = np.asarray(groups)
    hover = np.asarray(hover)
    fig = go.Figure()
    for group in order:
        members = np.flatnonzero(groups == group)
        fig.add_trace(go.Scatter(x=points[members, 0], y=points[members, 1], mode="markers", name=group,
                                 marker=dict(size=7, opacity=0.8), customdata=members,
                                 hovertext=hover[members], hoverinfo="text"))
    if marked is not None:
        fig.add_trace(go.Scatter(x=[marked[0]], y=[marked[1]], mode="markers", name=marked_name, hoverinfo="name",
                                 marker=dict(symbol="star", size=22, color="black", line=dict(color="white", width=2))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(height=560, margin=dict(l=10, r=10, t=10, b=10), dragmode="lasso", hovermode="closest",
                      legend=dict(itemsizing="constant"))
    return fig
