"""Headless, byte-stable matplotlib rendering, shared by ``score --plot`` and the leaderboard plots.

A figure is drawn on a bare :class:`matplotlib.figure.Figure` with its own canvas: no pyplot, no GUI
backend, no global state, so it works without a display. SVGs are byte-stable: a fixed hash salt, no date in
the metadata, text kept as text (``svg.fonttype: none``) in one font family; PNGs (Agg) carry no date
either. Both depend on the matplotlib version, which the ``plot`` and ``leaderboard`` extras pin.
matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from ..core.errors import OptionError

RC = {"svg.hashsalt": "stvg-bench", "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 8,
      "axes.titlesize": 9, "axes.grid": True, "grid.alpha": 0.3}
PNG_DPI = 150
_METADATA = {"svg": {"Date": None}, "png": None}


def require_matplotlib(what: str, extra: str) -> None:
    """Refuse, in one line naming the extra to install, when matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise OptionError(f"{what} needs matplotlib: pip install 'stvg-bench[{extra}]'") from None


def render(draw: Callable, size: tuple[float, float], formats: Iterable[str] = ("svg",)) -> dict[str, bytes]:
    """Draw once with ``draw(figure)`` on a ``size`` (inches) figure; ``{format: bytes}`` for each of
    ``formats`` (``svg``, ``png`` at :data:`PNG_DPI`), saved in the order given."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    out = {}
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=size, layout="constrained")
        FigureCanvasSVG(figure)
        draw(figure)
        for fmt in formats:
            buffer = io.BytesIO()
            extra = {"dpi": PNG_DPI} if fmt == "png" else {}
            figure.savefig(buffer, format=fmt, metadata=_METADATA[fmt], **extra)
            out[fmt] = buffer.getvalue()
    return out
