"""ipyleaflet maps for the apps: a base map that needs no internet, and layers built from frames.

Offline by default: no base layer (a plain background) unless ``LPT_TILE_URL`` names the force's
tile server (lpt.settings.tile_url). Many features draw on one canvas (``prefer_canvas``), which
keeps panning smooth with thousands of street points (../shared/TOOLCHAIN.md measured it).
Features carry their own style in ``properties.style`` (computed here, vectorised), so nothing
is deep-copied per feature as ipyleaflet's ``style_callback`` would, and only the properties an
app needs are sent to the browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from ipyleaflet import GeoJSON, Map, TileLayer
from matplotlib import colormaps
from matplotlib.colors import to_hex

from lpt import settings

__all__ = ["base_map", "colour_scale", "point_layer", "polygon_layer", "view_of"]


def base_map(bounds: tuple[float, float, float, float] | None = None, *, width_px: int = 420) -> Map:
    """A map with the tile server of the settings (or none), framed on ``bounds`` (west, south, east, north)."""
    tiles = settings.tile_url()
    layers = (TileLayer(url=tiles, name="base map", max_zoom=19),) if tiles else ()
    center, zoom = view_of(bounds, width_px=width_px) if bounds else ((53.74, -0.35), 10)
    return Map(center=center, zoom=zoom, layers=layers, prefer_canvas=True, scroll_wheel_zoom=True,
               attribution_control=bool(tiles))


def view_of(bounds: tuple[float, float, float, float], *, width_px: int = 420) -> tuple[tuple[float, float], int]:
    """Centre and the largest zoom at which ``bounds`` (west, south, east, north) fit ``width_px`` pixels,
    computed here (ipyleaflet's ``fit_bounds`` needs round trips to the browser)."""
    west, south, east, north = bounds
    center = ((south + north) / 2, (west + east) / 2)

    def y(lat: float) -> float:  # Web Mercator y in world units of 1
        s = math.sin(math.radians(lat))
        return 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)

    span = max((east - west) / 360, abs(y(south) - y(north)), 1e-9)
    zoom = int(math.floor(math.log2(width_px / (256 * span))))
    return center, max(1, min(zoom, 17))


def colour_scale(values: pd.Series, cmap: str = "YlOrRd", *, low: float = 0.25) -> list[str]:
    """Hex colours for ``values`` by their rank (pale: low, dark: high); NaN grey."""
    ranks = values.rank(pct=True).to_numpy()
    colours = colormaps[cmap](low + (1 - low) * np.nan_to_num(ranks))
    return [to_hex(c) if not math.isnan(r) else "#9e9e9e" for c, r in zip(colours, ranks)]


def point_layer(frame: pd.DataFrame, properties: Sequence[str], colours: Sequence[str], *, radius: int = 6,
                name: str = "points") -> GeoJSON:
    """Circle markers at ``longitude``/``latitude`` of ``frame`` (to about 1 m), each with ``properties``
    and its fill colour; the common style is sent once (``point_style``), not with every feature."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {**dict(zip(properties, values)), "style": {"fillColor": colour}},
        }
        for lon, lat, colour, *values in zip(frame["longitude"], frame["latitude"], colours,
                                             *(frame[p].tolist() for p in properties))
    ]
    style = {"radius": radius, "color": "#333333", "weight": 1, "fillOpacity": 0.85}
    return GeoJSON(data={"type": "FeatureCollection", "features": features}, point_style=style, name=name)


def polygon_layer(shapes: gpd.GeoDataFrame, properties: Sequence[str], *, colours: Sequence[str] | None = None,
                  outline: str = "#000000", name: str = "areas", tolerance: float = 0.0001) -> GeoJSON:
    """Polygons of ``shapes`` (EPSG:4326), simplified to about 10 m, with ``properties``; filled with
    ``colours`` when given, else outlines only."""
    simple = shapes.geometry.simplify(tolerance, preserve_topology=True)
    features = []
    for i, geometry in enumerate(simple):
        fill = {"fillColor": colours[i], "fillOpacity": 0.45} if colours is not None else {"fillOpacity": 0.0}
        features.append({
            "type": "Feature",
            "geometry": geometry.__geo_interface__,
            "properties": {**{p: _plain(shapes[p].iloc[i]) for p in properties},
                           "style": {"color": outline, "weight": 2 if colours is None else 1, **fill}},
        })
    return GeoJSON(data={"type": "FeatureCollection", "features": features}, name=name)


def _plain(value):
    """A JSON-ready value (numpy scalars and NA to Python)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
