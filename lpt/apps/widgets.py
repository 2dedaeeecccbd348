"""Small display pieces the apps share: tables, charts and messages as widgets.

Officers read these on phones: tables are plain HTML that wraps, charts are small inline SVG, and
every message says in words what happened (no icon-only meaning: icon fonts come from a CDN,
which is not there offline).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

__all__ = ["STYLE", "bar_chart_svg", "message", "table_html"]

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


def bar_chart_svg(values: pd.Series, title: str, *, width: int = 400, height: int = 140) -> str:
    """A small bar chart of ``values`` (index: labels such as months) as inline SVG: drawn in about a
    millisecond where a matplotlib PNG takes 60-80 ms, and sharp on a phone's screen. Labels the first
    and last bars and the largest value."""
    top, left, bottom = 18, 28, 18
    plot_w, plot_h = width - left - 4, height - top - bottom
    peak = max(float(values.max()) if len(values) else 0.0, 1.0)
    step = plot_w / max(len(values), 1)
    bars = "".join(
        f"<rect x='{left + i * step + 1:.1f}' y='{top + plot_h * (1 - v / peak):.1f}' width='{max(step - 2, 1):.1f}' "
        f"height='{plot_h * v / peak:.1f}' fill='#c62828'><title>{html.escape(str(k))}: {v:g}</title></rect>"
        for i, (k, v) in enumerate(values.astype(float).items())
    )
    labels = "" if not len(values) else (
        f"<text x='{left}' y='{height - 4}' font-size='10'>{html.escape(str(values.index[0]))}</text>"
        f"<text x='{width - 4}' y='{height - 4}' font-size='10' text-anchor='end'>{html.escape(str(values.index[-1]))}</text>")
    return (f"<svg class='lpt-chart' viewBox='0 0 {width} {height}' width='100%' style='max-width:{width}px' "
            f"role='img' aria-label='{html.escape(title)}'>"
            f"<text x='0' y='12' font-size='11' font-weight='bold'>{html.escape(title)}</text>"
            f"<text x='{left - 4}' y='{top + 9}' font-size='10' text-anchor='end'>{peak:g}</text>"
            f"<text x='{left - 4}' y='{top + plot_h}' font-size='10' text-anchor='end'>0</text>"
            f"<line x1='{left}' y1='{top + plot_h}' x2='{width - 4}' y2='{top + plot_h}' stroke='#999'/>"
            f"{bars}{labels}</svg>")


def message(text: str, kind: str = "note") -> str:
    """A one-line message as HTML: ``kind`` note, ok or error (styled by :data:`STYLE`)."""
    return f"<p class='lpt-{kind}'>{html.escape(text)}</p>"
