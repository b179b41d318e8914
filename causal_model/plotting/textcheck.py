"""Checks of a rendered figure's text: no label leaves the figure, no two labels overlap.

Used by the tests of every figure the main job and the report write, and useful when a new
figure is designed (``text_problems(fig)`` lists what to fix).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Annotation, Text

__all__ = ["arrow_problems", "renderer_of", "text_problems", "visible_texts"]


def renderer_of(fig: Figure):
    """The figure's renderer; a figure without one (closed, or on a vector backend) is given
    an Agg canvas first."""
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _drawn_tick_labels(fig: Figure) -> tuple[set[int], set[int]]:
    """Ids of the tick labels that are drawn (inside the view interval) and of all of them."""
    drawn, every = set(), set()
    for ax in fig.findobj(lambda a: isinstance(a, Axis)):
        lo, hi = sorted(ax.get_view_interval())
        tol = 1e-9 * max(1.0, abs(hi - lo))
        for ticks in (ax.get_major_ticks(), ax.get_minor_ticks()):
            for tick in ticks:
                labels = (tick.label1, tick.label2)
                every.update(id(t) for t in labels)
                loc = tick.get_loc()
                if loc is None or not (lo - tol <= loc <= hi + tol):
                    continue
                if not (tick.get_visible() and ax.get_visible() and ax.axes.axison):
                    continue
                drawn.update(id(t) for t in labels if t.get_visible())
    return drawn, every


def _shown(t: Text) -> bool:
    if not t.get_visible() or (t.axes is not None and not t.axes.get_visible()):
        return False
    return bool(t.get_text().strip()) and (t.get_alpha() is None or t.get_alpha() > 0)


def visible_texts(fig: Figure) -> list[Text]:
    """Every text artist of ``fig`` (subfigures, axes, legends, ticks) that is drawn."""
    renderer_of(fig)
    fig.canvas.draw()
    drawn, every = _drawn_tick_labels(fig)
    out = []
    seen = set()
    for t in fig.findobj(Text):
        if id(t) in seen or not _shown(t):
            continue
        seen.add(id(t))
        if id(t) in every and id(t) not in drawn:
            continue
        legend = t.axes.get_legend() if t.axes is not None else None
        if legend is not None and not legend.get_visible() and t in legend.get_texts():
            continue
        out.append(t)
    return out


def text_problems(fig: Figure, *, tolerance: float = 0.5) -> list[str]:
    """Texts that leave the figure or overlap another text, after ``fig.canvas.draw()``.

    Parameters
    ----------
    fig
        A figure (it is drawn).
    tolerance
        Pixels by which two extents may touch, and a text may pass the figure's edge,
        before it counts.

    Returns
    -------
    list of str
        One line per problem (empty: the text is clean), naming the texts.
    """
    texts = visible_texts(fig)
    renderer = renderer_of(fig)
    boxes = [t.get_window_extent(renderer) for t in texts]
    fb = fig.bbox
    problems = []
    for t, b in zip(texts, boxes, strict=True):
        if (
            b.x0 < fb.x0 - tolerance
            or b.y0 < fb.y0 - tolerance
            or b.x1 > fb.x1 + tolerance
            or b.y1 > fb.y1 + tolerance
        ):
            problems.append(f"clipped: {t.get_text()!r} at {np.round(b.extents, 1).tolist()}")
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = boxes[i], boxes[j]
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            if w > tolerance and h > tolerance:
                problems.append(
                    f"overlap: {texts[i].get_text()!r} and {texts[j].get_text()!r} "
                    f"({w:.1f} x {h:.1f} px)"
                )
    return problems


def arrow_problems(fig: Figure, *, samples: int = 60) -> list[str]:
    """Arrows (annotation arrows and arrow patches) that run through a visible text label.

    Each arrow's path is sampled along its segments in display coordinates; a sample inside
    the window extent of a text (shrunk by one pixel) is a problem.

    Returns
    -------
    list of str
        One line per arrow and label it crosses.
    """
    texts = visible_texts(fig)
    renderer = renderer_of(fig)
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    patches = list(fig.findobj(FancyArrowPatch))
    patches += [a.arrow_patch for a in fig.findobj(Annotation) if a.arrow_patch is not None]
    patches = [p for p in dict.fromkeys(patches) if p.get_visible()]
    problems = []
    for patch in patches:
        path = patch.get_transform().transform_path(patch.get_path())
        pts = []
        for poly in path.to_polygons(closed_only=False):
            for a, b in zip(poly[:-1], poly[1:], strict=True):
                t = np.linspace(0.0, 1.0, samples)[:, None]
                pts.append(a + t * (b - a))
        if not pts:
            continue
        pts = np.concatenate(pts)
        for text, box in boxes:
            inside = (
                (pts[:, 0] > box.x0 + 1)
                & (pts[:, 0] < box.x1 - 1)
                & (pts[:, 1] > box.y0 + 1)
                & (pts[:, 1] < box.y1 - 1)
            )
            if inside.any():
                problems.append(f"arrow through {text.get_text()!r}")
    return problems
