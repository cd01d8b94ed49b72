"""The /usage chart: daily spend as a PNG bar chart, drawn with matplotlib's Agg canvas.

Invariants: pure and synchronous (the handler runs it in a worker thread, so the event loop
never waits for drawing); no pyplot, so no global figure state is shared between threads;
the PNG is always exactly `CHART_WIDTH` x `CHART_HEIGHT` pixels.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from storage.money import UNITS_PER_CURRENCY
from storage.usage import DailySpend

CHART_WIDTH = 800
CHART_HEIGHT = 400
_DPI = 100
_BAR_COLOUR = "#2f6fde"


def daily_spend_png(days: Sequence[DailySpend], title: str) -> bytes:
    """One bar per UTC day (labelled month-day), in whole currency on the y axis."""
    figure = Figure(figsize=(CHART_WIDTH / _DPI, CHART_HEIGHT / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(days)))
    labels = [datetime.fromtimestamp(day.day_start, UTC).strftime("%m-%d") for day in days]
    # Floats only for drawing: money itself stays in integer units everywhere else.
    axes.bar(positions, [day.spent / UNITS_PER_CURRENCY for day in days], color=_BAR_COLOUR)
    axes.set_xticks(positions, labels, rotation=45, fontsize=8)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.set_title(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()
