"""Small display pieces the apps share: tables, charts and messages as widgets.

Officers read these on phones: tables are plain HTML that wraps, charts are small inline SVG, and
every message says in words what happened (no icon-only meaning: icon fonts come from a CDN,
which is not there offline).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

__all__ = ["STYLE", "bar_chart_svg", "line_chart_svg", "message", "status_line", "table_html", "tabbed_page"]

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
    return _chart(title, width, height, left, top, plot_h, peak, bars + labels)


_LINE_COLOURS = ("#0d47a1", "#2e7d32", "#c62828", "#6a1b9a", "#ef6c00")


def line_chart_svg(frame: pd.DataFrame, title: str, *, dashed: tuple[str, ...] = (), width: int = 420,
                   height: int = 170) -> str:
    """Lines of ``frame``'s columns over its index (e.g. weeks) as inline SVG, with a legend; columns in
    ``dashed`` are drawn dashed (a plan against what was done). Missing values break a line."""
    top, left, bottom, legend = 18, 34, 18, 14 * len(frame.columns)
    plot_w, plot_h = width - left - 4, height - top - bottom - legend
    peak = max(float(frame.max().max()) if frame.size and frame.notna().any().any() else 0.0, 1.0)
    step = plot_w / max(len(frame) - 1, 1)
    lines, keys = [], []
    for i, column in enumerate(frame.columns):
        colour = _LINE_COLOURS[i % len(_LINE_COLOURS)]
        dash = " stroke-dasharray='5 3'" if column in dashed else ""
        xy = [(left + j * step, top + plot_h * (1 - float(v) / peak)) for j, v in enumerate(frame[column]) if pd.notna(v)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        lines.append(f"<polyline points='{points}' fill='none' stroke='{colour}' stroke-width='2'{dash}/>")
        if len(xy) < 3:  # a line of one point draws nothing: mark the points
            lines += [f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{colour}'/>" for x, y in xy]
        y = height - legend + 14 * i + 10
        keys.append(f"<line x1='{left}' y1='{y - 4}' x2='{left + 18}' y2='{y - 4}' stroke='{colour}' stroke-width='2'{dash}/>"
                    f"<text x='{left + 24}' y='{y}' font-size='10'>{html.escape(str(column))}</text>")
    labels = "" if frame.empty else (
        f"<text x='{left}' y='{top + plot_h + 13}' font-size='10'>{html.escape(str(frame.index[0]))}</text>"
        f"<text x='{width - 4}' y='{top + plot_h + 13}' font-size='10' text-anchor='end'>"
        f"{html.escape(str(frame.index[-1]))}</text>")
    return _chart(title, width, height, left, top, plot_h, peak, "".join(lines) + labels + "".join(keys))


def _chart(title: str, width: int, height: int, left: int, top: int, plot_h: float, peak: float, body: str) -> str:
    """An SVG chart around ``body``: the title, the y axis from 0 to ``peak`` and the base line."""
    return (f"<svg class='lpt-chart' viewBox='0 0 {width} {height}' width='100%' style='max-width:{width}px' "
            f"role='img' aria-label='{html.escape(title)}'>"
            f"<text x='0' y='12' font-size='11' font-weight='bold'>{html.escape(title)}</text>"
            f"<text x='{left - 4}' y='{top + 9}' font-size='10' text-anchor='end'>{peak:g}</text>"
            f"<text x='{left - 4}' y='{top + plot_h}' font-size='10' text-anchor='end'>0</text>"
            f"<line x1='{left}' y1='{top + plot_h}' x2='{width - 4}' y2='{top + plot_h}' stroke='#999'/>"
            f"{body}</svg>")


def status_line() -> widgets.HTML:
    """The line at the top of an app where the controls say what happened (class ``lpt-status``)."""
    line = widgets.HTML()
    line.add_class("lpt-status")
    return line


def tabbed_page(title: str, subtitle: str, status: widgets.HTML, tabs: dict[str, widgets.Widget]) -> tuple[widgets.VBox, widgets.Tab]:
    """An app's page: its title, who uses it (``subtitle``), the status line and ``tabs`` (title → panel).
    Returns the page (classes ``lpt-app`` and ``lpt-ready``, which the browser tests wait for) and the tabs."""
    header = widgets.HTML(f"<h2 style='margin:4px 0'>{html.escape(title)}</h2>"
                          f"<div class='lpt-note'>{html.escape(subtitle)}</div>")
    tab = widgets.Tab(children=list(tabs.values()))
    for i, name in enumerate(tabs):
        tab.set_title(i, name)
    page = widgets.VBox([STYLE, header, status, tab], layout=widgets.Layout(padding="4px", width="100%"))
    page.add_class("lpt-app")
    page.add_class("lpt-ready")
    return page, tab


def message(text: str, kind: str = "note") -> str:
    """A one-line message as HTML: ``kind`` note, ok or error (styled by :data:`STYLE`)."""
    return f"<p class='lpt-{kind}'>{html.escape(text)}</p>"
