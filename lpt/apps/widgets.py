"""Small display pieces the apps share: tables, charts and messages as widgets.

Officers read these on phones: tables are plain HTML that wraps, charts are small PNGs, and
every message says in words what happened (no icon-only meaning: icon fonts come from a CDN,
which is not there offline).
"""

from __future__ import annotations

import html
import io

import ipywidgets as widgets
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["STYLE", "figure_png", "message", "table_html"]

STYLE = widgets.HTML("""<style>
.lpt-app { font-family: system-ui, sans-serif; max-width: 1400px; }
.lpt-app table.lpt-table { border-collapse: collapse; font-size: 0.9em; width: 100%; }
.lpt-app table.lpt-table th, .lpt-app table.lpt-table td { border-bottom: 1px solid #ddd; padding: 3px 6px;
  text-align: left; vertical-align: top; }
.lpt-app .lpt-note { color: #555; font-size: 0.85em; }
.lpt-app .lpt-error { color: #a00000; font-weight: bold; }
.lpt-app .lpt-ok { color: #1b5e20; }
.lpt-app .widget-select select { font-size: 0.95em; }
.lpt-app .leaflet-container { background: #f2efe9; }
</style>""")
"""CSS of every app (include it once at the top of an app)."""


def table_html(frame: pd.DataFrame, *, empty: str = "Nothing to show.") -> str:
    """``frame`` as a compact HTML table (index dropped), or ``empty`` when it has no rows."""
    if frame.empty:
        return f"<p class='lpt-note'>{html.escape(empty)}</p>"
    return frame.to_html(index=False, classes="lpt-table", border=0, na_rep="", escape=True)


def figure_png(figure: Figure) -> bytes:
    """A matplotlib figure as PNG bytes (Agg, 100 dpi: quick, and small enough for a phone)."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def message(text: str, kind: str = "note") -> str:
    """A one-line message as HTML: ``kind`` note, ok or error (styled by :data:`STYLE`)."""
    return f"<p class='lpt-{kind}'>{html.escape(text)}</p>"
