"""Who a message goes to: an area (force, districts, wards, streets or a drawn polygon), narrowed
to a group, some demographics or a topic.

An :class:`AudienceSpec` is what the officer chose; it is stored with the message as JSON,
so the audience is resolved again when the message is sent (members who left since are not
written to). :meth:`AudienceSpec.area` is what the sender must cover; :func:`resolve` lists the
members it reaches, placed by their postcode (``postcode_links``) like every community record.

:func:`resolve` and :func:`count_opted_out` read personal data **without an access check**:
only lpt.messaging calls them, after lpt.access.guard.authorize, and hands officers counts only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date

import pandas as pd
import shapely
from shapely import wkt
from shapely.errors import ShapelyError
from sqlalchemy import Engine, Select, and_, exists, func, literal, or_, select, tuple_

from lpt.access.guard import FORCE, Area
from lpt.errors import LPTError
from lpt.store.frames import read_query
from lpt.store.schema import (
    contact_suspensions,
    households,
    members,
    postcode_links,
    ref_districts,
    ref_lsoa21,
    ref_postcodes,
    survey_responses,
)
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, GROUPS, SEXES, TOPIC_LABELS, TOPICS

__all__ = [
    "CHANNELS", "LEVELS", "NO_ADDRESS", "SUSPENDED", "AudienceSpec", "audiences_within", "count_opted_out", "left_out",
    "resolve",
]

LEVELS = ("force", "district", "ward", "streets", "area")
#: Which member column holds the address of each channel.
CHANNELS = {"email": members.c.email, "sms": members.c.phone}
#: Reasons in :func:`resolve`'s ``excluded`` column.
NO_ADDRESS, SUSPENDED = "no address", "suspended"
_FILTERS = (("age_bands", AGE_BANDS), ("sexes", SEXES), ("ethnic_groups", ETHNIC_GROUPS))


@dataclass(frozen=True)
class AudienceSpec:
    """The members a message is for.

    ``level``: ``force`` (``codes``: police force area codes, or none for every member in the
    store), ``district`` or ``ward`` (``codes``: their GSS codes), ``streets`` (``streets``:
    (LSOA 2021 code, street name) keys; a member's street is their household's street in their
    postcode's LSOA) or ``area`` (``polygon``: WKT in WGS84 lon/lat; members whose postcode point
    lies inside). Filters, each optional: ``group`` (lpt.vocab.GROUPS), ``age_bands``, ``sexes``,
    ``ethnic_groups`` (any of those listed), ``topic`` (lpt.vocab.TOPICS: the member's latest
    survey answer names it among its three priorities).
    """

    level: str
    codes: tuple[str, ...] = ()
    streets: tuple[tuple[str, str], ...] = ()
    polygon: str | None = None
    group: str | None = None
    age_bands: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    ethnic_groups: tuple[str, ...] = ()
    topic: str | None = None

    def __post_init__(self) -> None:
        for name in ("codes", "age_bands", "sexes", "ethnic_groups"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))
        object.__setattr__(self, "streets", tuple(tuple(s) for s in self.streets or ()))
        self._validate()

    @property
    def needs_approval(self) -> bool:
        """Force-wide and district-wide messages need a supervisor's approval before they go."""
        return self.level in ("force", "district")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AudienceSpec:
        try:
            values = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
            raise LPTError(f"an audience is a JSON object: {exc}") from None
        known = {f.name for f in fields(cls)}
        if not isinstance(values, dict) or not values.keys() <= known or "level" not in values:
            raise LPTError(f"an audience is a JSON object with 'level' and some of {', '.join(sorted(known))}")
        return cls(**values)

    def area(self, engine: Engine | None = None) -> tuple[Area, ...]:
        """The areas the sender must cover: the force (FORCE without codes), one Area per district or ward
        code, the wards of the streets, or the wards of the postcodes inside the polygon (these two need
        ``engine``)."""
        if self.level == "force":
            return tuple(Area("force", code) for code in self.codes) or (FORCE,)
        if self.level in ("district", "ward"):
            return tuple(Area(self.level, code) for code in self.codes)
        if engine is None:
            raise LPTError(f"the areas of a {self.level} audience are looked up in the store: pass the engine")
        wards = self.wards(engine)
        if not wards:
            raise LPTError(f"no ward holds this audience ({self.describe()}): no known postcode lies in it")
        return tuple(Area("ward", ward) for ward in sorted(wards))

    def wards(self, engine: Engine) -> frozenset[str] | None:
        """The wards the audience lies in (None: every ward, a force audience without codes)."""
        if self.level == "force" and not self.codes:
            return None
        if self.level == "ward":
            return frozenset(self.codes)
        if self.level == "area":
            return frozenset(_inside(read_query(engine, _postcode_points(self.polygon)), self.polygon)["ward_code"].dropna())
        if self.level == "streets":
            where = ref_lsoa21.c.lsoa21_code.in_(sorted({lsoa for lsoa, _ in self.streets}))
        elif self.level == "district":
            where = ref_lsoa21.c.district_code.in_(self.codes)
        else:
            where = ref_lsoa21.c.district_code.in_(select(ref_districts.c.district_code).where(ref_districts.c.pfa_code.in_(self.codes)))
        with engine.connect() as connection:
            return frozenset(connection.execute(select(ref_lsoa21.c.ward_code).distinct().where(where)).scalars())

    def describe(self) -> str:
        """A short sentence naming the audience, e.g. 'Members in ward E05000001, neighbourhood watch, aged 45-54.'"""
        if self.level == "force":
            where = f"force area {', '.join(self.codes)}" if self.codes else "the whole force"
        elif self.level in ("district", "ward"):
            where = f"{self.level}{'s' if len(self.codes) > 1 else ''} {', '.join(self.codes)}"
        elif self.level == "streets":
            names = sorted({street for _, street in self.streets})
            where = ", ".join(names[:3]) + (f" and {len(names) - 3} more streets" if len(names) > 3 else "")
        else:
            where = "a drawn area"
        parts = [f"Members in {where}"]
        if self.group:
            parts.append(self.group.replace("_", " "))
        if self.age_bands:
            parts.append("aged " + ", ".join(self.age_bands))
        parts += [", ".join(values) for values in (self.sexes, self.ethnic_groups) if values]
        if self.topic:
            parts.append(f"whose priorities include {TOPIC_LABELS[self.topic]}")
        return ", ".join(parts) + "."

    def _validate(self) -> None:
        if self.level not in LEVELS:
            raise LPTError(f"unknown audience level {self.level!r}: one of {', '.join(LEVELS)}")
        needs = {"district": "codes", "ward": "codes", "streets": "streets", "area": "polygon"}.get(self.level)
        if needs and not getattr(self, needs):
            raise LPTError(f"audience level {self.level!r} needs {needs}")
        for name in ("codes", "streets", "polygon"):
            if getattr(self, name) and name != needs and not (self.level == "force" and name == "codes"):
                raise LPTError(f"audience level {self.level!r} takes no {name}")
        if not all(isinstance(code, str) and code.strip() for code in self.codes):
            raise LPTError(f"area codes are GSS codes, e.g. E05011529: {self.codes!r}")
        if not all(len(key) == 2 and all(isinstance(part, str) and part.strip() for part in key) for key in self.streets):
            raise LPTError(f"streets are (LSOA 2021 code, street name) pairs: {self.streets!r}")
        if self.polygon is not None:
            _polygon(self.polygon)
        if self.group is not None and self.group not in GROUPS:
            raise LPTError(f"unknown group {self.group!r}: one of {', '.join(GROUPS)}")
        if self.topic is not None and self.topic not in TOPICS:
            raise LPTError(f"unknown topic {self.topic!r}: one of {', '.join(TOPICS)}")
        for name, allowed in _FILTERS:
            unknown = [value for value in getattr(self, name) if value not in allowed]
            if unknown:
                raise LPTError(f"unknown {name.replace('_', ' ')} {', '.join(map(repr, unknown))}: one of {', '.join(allowed)}")


def resolve(engine: Engine, spec: AudienceSpec, on: date, *, channel: str = "email") -> pd.DataFrame:
    """The members the audience reaches on day ``on``; internal, **no access check**.

    Registered on ``on`` (joined on or before it, not opted out on or before it; erased members
    are gone), placed by their postcode, with the spec's filters. Opted-out members are never in
    it. Columns: ``member_id``, ``address`` (their address on ``channel``: e-mail or phone),
    ``ward_code``, ``excluded`` (None: may be written to; :data:`NO_ADDRESS`; :data:`SUSPENDED`,
    the channel's address bounced too often). One row per member, by ID.
    """
    address = _channel(channel)
    suspended = exists().where(
        contact_suspensions.c.member_id == members.c.member_id, contact_suspensions.c.channel == channel
    )
    query = _matching(spec, on).add_columns(address.label("address"), suspended.label("suspended"))
    frame = _placed(engine, spec, query.where(_registered(on)))
    has_address = frame["address"].fillna("").str.strip() != ""
    excluded = pd.Series(None, index=frame.index, dtype=object)
    excluded[frame["suspended"].astype(bool)] = SUSPENDED
    excluded[~has_address] = NO_ADDRESS
    return frame.assign(excluded=excluded)[["member_id", "address", "ward_code", "excluded"]].reset_index(drop=True)


def count_opted_out(engine: Engine, spec: AudienceSpec, on: date) -> int:
    """Members the audience would reach had they not opted out on or before ``on``; internal, no access check."""
    left = and_(members.c.opted_in <= on, members.c.opted_out.is_not(None), members.c.opted_out <= on)
    return len(_placed(engine, spec, _matching(spec, on).where(left)))


def left_out(reached: pd.DataFrame) -> dict[str, int]:
    """How many of a :func:`resolve` frame are left out: ``no_address`` and ``suspended``."""
    return {"no_address": int((reached["excluded"] == NO_ADDRESS).sum()), "suspended": int((reached["excluded"] == SUSPENDED).sum())}


# --- internals ------------------------------------------------------------------


def _registered(on: date):
    return and_(members.c.opted_in <= on, or_(members.c.opted_out.is_(None), members.c.opted_out > on))


def _channel(channel: str):
    if channel not in CHANNELS:
        raise LPTError(f"unknown channel {channel!r}: one of {', '.join(CHANNELS)}")
    return CHANNELS[channel]


def _matching(spec: AudienceSpec, on: date) -> Select:
    """Members in the spec's place (except a polygon's, checked after) with its filters, with their ward."""
    query = (
        select(members.c.member_id, postcode_links.c.ward_code)
        .select_from(members)
        .outerjoin(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .order_by(members.c.member_id)
    )
    if spec.level == "force" and spec.codes:
        forces = select(ref_districts.c.district_code).where(ref_districts.c.pfa_code.in_(spec.codes))
        query = query.where(postcode_links.c.district_code.in_(forces))
    elif spec.level in ("district", "ward"):
        query = query.where(postcode_links.c[f"{spec.level}_code"].in_(spec.codes))
    elif spec.level == "streets":
        query = query.join(households, households.c.address_id == members.c.address_id).where(
            tuple_(postcode_links.c.lsoa21_code, households.c.street).in_(list(spec.streets))
        )
    elif spec.level == "area":
        query = query.join(ref_postcodes, ref_postcodes.c.postcode == members.c.postcode).add_columns(
            ref_postcodes.c.longitude, ref_postcodes.c.latitude
        ).where(*_in_bounds(spec.polygon))
    for column, values in (("age_band", spec.age_bands), ("sex", spec.sexes), ("ethnic_group", spec.ethnic_groups)):
        if values:
            query = query.where(members.c[column].in_(values))
    if spec.group:
        query = query.where((literal(";") + members.c.groups + literal(";")).contains(f";{spec.group};"))
    if spec.topic:
        query = query.where(_latest_answer_names(spec.topic, on))
    return query


def _latest_answer_names(topic: str, on: date):
    """The member's latest survey answer (on or before ``on``) names ``topic`` among its priorities."""
    answer, other = survey_responses.alias("answer"), survey_responses.alias("later")
    latest = (
        select(func.max(other.c.responded_on))
        .where(other.c.member_id == members.c.member_id, other.c.responded_on <= on)
        .correlate(members)
    )
    return exists().where(
        answer.c.member_id == members.c.member_id,
        answer.c.responded_on == latest.scalar_subquery(),
        or_(answer.c.priority_1 == topic, answer.c.priority_2 == topic, answer.c.priority_3 == topic),
    )


def _placed(engine: Engine, spec: AudienceSpec, query: Select) -> pd.DataFrame:
    """Runs the query; a polygon audience keeps the members whose postcode point lies inside it."""
    frame = read_query(engine, query)
    return _inside(frame, spec.polygon) if spec.level == "area" else frame


def _polygon(text: str):
    try:
        shape = wkt.loads(text)
    except (ShapelyError, TypeError, AttributeError) as exc:
        raise LPTError(f"the drawn area is not WKT: {exc}") from None
    if shape.geom_type not in ("Polygon", "MultiPolygon") or shape.is_empty or not shape.is_valid:
        raise LPTError(f"the drawn area must be a valid polygon, not {shape.geom_type}{' (invalid)' if not shape.is_valid else ''}")
    west, south, east, north = shape.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise LPTError("the drawn area's coordinates are not WGS84 longitude and latitude")
    return shape


def _in_bounds(polygon: str) -> list:
    west, south, east, north = _polygon(polygon).bounds
    return [ref_postcodes.c.longitude.between(west, east), ref_postcodes.c.latitude.between(south, north)]


def _postcode_points(polygon: str) -> Select:
    return (
        select(ref_postcodes.c.longitude, ref_postcodes.c.latitude, postcode_links.c.ward_code)
        .join(postcode_links, postcode_links.c.postcode == ref_postcodes.c.postcode)
        .where(*_in_bounds(polygon))
    )


def _inside(frame: pd.DataFrame, polygon: str) -> pd.DataFrame:
    """Rows whose (longitude, latitude) lies in the polygon or on its edge."""
    inside = shapely.intersects_xy(_polygon(polygon), frame["longitude"].to_numpy(float), frame["latitude"].to_numpy(float))
    return frame[inside].drop(columns=["longitude", "latitude"]).reset_index(drop=True)


def audiences_within(engine: Engine, audiences: Iterable[str], allowed: frozenset[str] | None) -> dict[str, bool]:
    """For each audience (JSON), whether it lies in the ``allowed`` wards (None: everywhere): all of its
    wards inside them; an audience of every ward only for a caller allowed everywhere. What lists of
    messages and their engagement show a caller."""
    inside = {}
    for text in set(audiences):
        wards = AudienceSpec.from_json(text).wards(engine)
        inside[text] = allowed is None or (wards is not None and bool(wards) and wards <= allowed)
    return inside
