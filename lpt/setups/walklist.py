"""A shift's walk list: the doors to knock in walking order, on screen or printed for poor signal.

Streets are walked one after the other, each time to the nearest street not yet walked (by the
centroid of its doors' postcode points), starting from the street furthest from the middle of the
list, so the walk sweeps across the area instead of starting in its centre and doubling back. Within
a street, odd numbers go up one side and even numbers come back down the other; named houses last.

The printed list carries nothing beyond the address (no names, no registration status) and a line
reminding officers never to tell a resident that their address is a priority. The PDF is printed by
lpt.reports.pdf (headless Chromium).
"""

from __future__ import annotations

import math
import tempfile
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from lpt.reports.pdf import to_pdf

__all__ = ["REMINDER", "WALK_COLUMNS", "walk_list", "walk_list_html", "walk_list_pdf"]

#: The line at the top of every walk list.
REMINDER = "Never tell a resident that their address is a priority."
#: Columns :func:`walk_list` adds in front of the frame's own.
WALK_COLUMNS = ["walk_order", "street_order", "side"]
_STREET = ["lsoa21_code", "street"]
_EARTH_M = 6_371_000.0


def walk_list(frame: pd.DataFrame) -> pd.DataFrame:
    """The doors of ``frame`` (lpt.setups.selection.priority_addresses; hidden ones are dropped) in walking
    order, with ``walk_order`` (1, 2, ...), ``street_order`` (1 for the first street) and ``side`` (odd,
    even, named) in front of the frame's columns."""
    doors = frame[~frame["hidden"]] if "hidden" in frame.columns else frame
    if doors.empty:
        return pd.DataFrame(columns=[*WALK_COLUMNS, *frame.columns])
    leading = doors["house_number"].astype("string").str.extract(r"^\s*(\d+)", expand=False)
    number = pd.to_numeric(leading, errors="coerce").astype("float64").to_numpy()
    side = np.where(np.isnan(number), "named", np.where(number % 2 == 1, "odd", "even"))
    # odd numbers up, even numbers down, named houses by name
    within = np.where(side == "odd", number, np.where(side == "even", -number, np.inf))
    doors = doors.assign(side=side, _within=within, _name=doors["house_name"].fillna("").astype(str),
                         _side=pd.Series(side, index=doors.index).map({"odd": 0, "even": 1, "named": 2}))
    order = _street_order(doors)
    doors = doors.assign(street_order=[order[key] for key in zip(doors["lsoa21_code"], doors["street"], strict=True)])
    doors = doors.sort_values(["street_order", "_side", "_within", "_name", "address_id"], kind="stable")
    doors = doors.drop(columns=["_within", "_name", "_side"]).assign(walk_order=range(1, len(doors) + 1))
    return doors[[*WALK_COLUMNS, *frame.columns]].reset_index(drop=True)


def walk_list_html(setup_name: str, frame: pd.DataFrame) -> str:
    """A printable page of the walk list (``frame``: a :func:`walk_list`, or priority addresses, which are
    ordered first): the reminder, then per street its doors with boxes to tick the outcome. Addresses
    only."""
    walk = frame if "walk_order" in frame.columns else walk_list(frame)
    outcomes = ("Spoke, registered", "Spoke, not registered", "Declined", "Not in", "No access")
    head = "".join(f"<th>{escape(o)}</th>" for o in outcomes)
    boxes = "<td class='box'></td>" * len(outcomes)
    sections = []
    for (_, street), doors in walk.groupby(["street_order", "street"], sort=True):
        rows = "".join(
            f"<tr><td>{_door_label(door)}</td><td>{escape(str(door.postcode))}</td>{boxes}</tr>"
            for door in doors.itertuples(index=False)
        )
        sections.append(f"<h2>{escape(str(street))}</h2><table><tr><th>Door</th><th>Postcode</th>{head}</tr>{rows}</table>")
    body = "".join(sections) or "<p>No doors to knock on this list.</p>"
    title = escape(setup_name)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Walk list: {title}</title><style>{_CSS}</style></head><body>"
        f"<p class='reminder'>{escape(REMINDER)}</p><h1>Walk list: {title}</h1>"
        f"<p>{len(walk)} doors in {walk['street'].nunique() if len(walk) else 0} streets, in walking order.</p>"
        f"{body}</body></html>"
    )


def walk_list_pdf(html: str, path: Path | str) -> Path:
    """Print a :func:`walk_list_html` page to the PDF ``path`` (headless Chromium, lpt.reports.pdf.to_pdf;
    LPTError when it is missing or fails); returns the path."""
    with tempfile.TemporaryDirectory(prefix="lpt-walk-") as folder:
        page = Path(folder) / "walk-list.html"
        page.write_text(html, encoding="utf-8")
        return to_pdf(page, Path(path))


# --- internals ------------------------------------------------------------------

_CSS = (
    "body{font-family:sans-serif;font-size:11pt;margin:1cm}"
    ".reminder{font-weight:bold;border:2px solid #000;padding:.4em;text-align:center}"
    "h1{font-size:15pt}h2{font-size:12pt;margin:1em 0 .3em;page-break-after:avoid}"
    "table{border-collapse:collapse;width:100%;page-break-inside:auto}tr{page-break-inside:avoid}"
    "th,td{border:1px solid #666;padding:.25em .4em;text-align:left}th{font-size:8pt}"
    "td.box{width:2.2cm}"
)


def _door_label(door) -> str:
    parts = [str(v) for v in (door.house_number, door.house_name) if isinstance(v, str) and v.strip()]
    return escape(" ".join(parts) or "(no number)")


def _street_order(doors: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Each street's place in the walk: nearest neighbour over street centroids from the street furthest
    from the middle; streets without a point last, by name."""
    centroids = doors.groupby(_STREET, sort=True)[["longitude", "latitude"]].mean()
    placed = centroids.dropna()
    unplaced = sorted(set(centroids.index) - set(placed.index), key=lambda key: (key[1], key[0]))
    order: list[tuple[str, str]] = []
    if not placed.empty:
        scale = math.cos(math.radians(float(placed["latitude"].mean())))
        xy = np.radians(placed[["longitude", "latitude"]].to_numpy(float)) * [scale, 1.0] * _EARTH_M
        left = list(range(len(placed)))
        here = int(np.argmax(((xy - xy.mean(axis=0)) ** 2).sum(axis=1)))
        while left:
            left.remove(here)
            order.append(placed.index[here])
            if left:
                here = left[int(np.argmin(((xy[left] - xy[here]) ** 2).sum(axis=1)))]
    return {key: position for position, key in enumerate([*order, *unplaced], start=1)}
