"""What a door-knocking setup is, and its life: created by a supervisor for their area, listed, edited, archived.

Forces organise doorstep work as *setups*: a team's targeted engagement with an area or a community
(the households of some wards, streets or a drawn polygon, narrowed by criteria such as low confidence,
group membership, deprivation, the census mix or the recommended streets), and the force-wide
"every door" campaign. Several may be active at once. A setup is data (:class:`SetupSpec`, stored
as JSON in ``setups``), so the doorstep app, the command line and tests describe one the same way,
and it is validated once, here, with messages an officer can act on.

Creating, editing and archiving need the ``manage_setups`` permission (supervisors over their own
area, admins force-wide) over every ward the setup's area touches (lpt.access.guard). An archived
setup leaves every active list and takes no more visits or edits; nothing of it is deleted.

Time: visits and clocks are time-zone-aware datetimes, stored in UTC; "the day" of a visit is its
day in Europe/London (:data:`LONDON`, :func:`local_day`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import NoReturn
from zoneinfo import ZoneInfo

import pandas as pd
import shapely
from shapely import wkt
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from lpt.access.guard import Area, PermissionDenied, User, authorize, record_access
from lpt.access.permissions import grant
from lpt.errors import LPTError
from lpt.messaging.audience import AudienceSpec
from lpt.store.schema import ref_lsoa21, setups, teams
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, GROUPS, QUESTIONS, SEXES

__all__ = [
    "EVERY_DOOR",
    "LONDON",
    "OUTCOMES",
    "SPOKE",
    "Criteria",
    "Setup",
    "SetupArea",
    "SetupSpec",
    "action_for",
    "archive_setup",
    "authorize_manager",
    "authorize_setup",
    "create_setup",
    "every_door_id",
    "every_door_setup",
    "load_setup",
    "load_setups",
    "local_day",
    "refuse",
    "setups_of",
    "update_setup",
    "utc",
    "wards_within",
]

#: The time zone of "the day" and of the 18:00 rule.
LONDON = ZoneInfo("Europe/London")
#: Doorstep outcomes: spoke and registered (with consent), spoke but did not register, declined to
#: engage, nobody in, no access to the door.
OUTCOMES = ("spoke_registered", "spoke_not_registered", "declined", "not_in", "no_access")
#: The outcomes where the officer spoke to a resident.
SPOKE = ("spoke_registered", "spoke_not_registered")
#: Name of the force-wide setup.
EVERY_DOOR = "Every door"
_MANAGE = "manage_setups"
#: Actions that may list setups: managers, officers working the doorstep, and whoever reads their counts
#: (analysts' and evaluators' reports; setups hold no personal data).
_LISTERS = (_MANAGE, "address_status", "area_counts")


@dataclass(frozen=True)
class SetupArea:
    """Where a setup works: ``wards`` (GSS codes), ``streets`` ((LSOA 2021 code, street name) keys: a
    household's street in its postcode's LSOA), or ``polygon`` (WKT in WGS84 lon/lat: households whose
    postcode point lies inside or on the edge). At most one; none means force-wide (every household)."""

    wards: tuple[str, ...] = ()
    streets: tuple[tuple[str, str], ...] = ()
    polygon: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "wards", tuple(self.wards or ()))
        object.__setattr__(self, "streets", tuple(tuple(s) for s in self.streets or ()))
        if sum(bool(part) for part in (self.wards, self.streets, self.polygon)) > 1:
            raise LPTError("a setup's area is wards, streets or a drawn polygon, not several at once")
        self.audience()  # validates codes, street keys and the polygon, with the audience's messages

    @property
    def force_wide(self) -> bool:
        return not (self.wards or self.streets or self.polygon)

    def audience(self) -> AudienceSpec:
        """The same place as a message audience (lpt.messaging.audience), which knows its wards."""
        if self.wards:
            return AudienceSpec("ward", codes=self.wards)
        if self.streets:
            return AudienceSpec("streets", streets=self.streets)
        if self.polygon:
            return AudienceSpec("area", polygon=self.polygon)
        return AudienceSpec("force")

    def wards_of(self, engine: Engine) -> frozenset[str] | None:
        """The wards the area touches (None: force-wide)."""
        return self.audience().wards(engine)

    def areas(self, engine: Engine) -> tuple[Area, ...]:
        """What whoever manages the setup must cover: its wards, or the force."""
        return self.audience().area(engine)

    def shape(self):
        """The polygon as a shapely geometry (None for other areas)."""
        return wkt.loads(self.polygon) if self.polygon else None

    def contains(self, frame: pd.DataFrame) -> pd.Series:
        """Which rows (``longitude``, ``latitude``) lie in the polygon or on its edge; every row for other
        areas, whose test is in the query (lpt.setups.selection.area_query)."""
        if not self.polygon:
            return pd.Series(True, index=frame.index)
        points = frame[["longitude", "latitude"]].astype("float64").to_numpy()
        return pd.Series(shapely.intersects_xy(self.shape(), points[:, 0], points[:, 1]), index=frame.index)

    def describe(self) -> str:
        if self.force_wide:
            return "every household of the force"
        return self.audience().describe().removeprefix("Members in ").rstrip(".")


@dataclass(frozen=True)
class Criteria:
    """Which households of the area a setup selects; every criterion given must hold.

    On a household's registered members (one member must meet them all; these select registered
    households, so they need ``revisit``): ``answer_question`` with ``answer_at_most`` (their latest
    survey answer to that lpt.vocab.QUESTIONS question is at most this, e.g. confidence 2: low
    confidence), ``group`` (lpt.vocab.GROUPS), ``age_bands``, ``sexes``, ``ethnic_groups`` (any listed).
    On the household's LSOA: ``imd_deciles`` (its IMD 2025 decile is one of these, 1 most deprived),
    ``census_group`` with ``census_min_pct`` (at least this share of its residents are of that broad
    ethnic group in Census 2021: for communities not yet registered). On its street:
    ``recommended_top`` (the street is among the top N of its ward in the officer's recommended streets,
    lpt.priorities.streets.area_streets).
    """

    answer_question: str | None = None
    answer_at_most: int | None = None
    group: str | None = None
    age_bands: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    ethnic_groups: tuple[str, ...] = ()
    imd_deciles: tuple[int, ...] = ()
    census_group: str | None = None
    census_min_pct: float | None = None
    recommended_top: int | None = None

    def __post_init__(self) -> None:
        for name in ("age_bands", "sexes", "ethnic_groups", "imd_deciles"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))
        _check_pair("answer_question", self.answer_question, "answer_at_most", self.answer_at_most)
        _check_pair("census_group", self.census_group, "census_min_pct", self.census_min_pct)
        if self.answer_question is not None and self.answer_question not in QUESTIONS:
            raise LPTError(f"unknown survey question {self.answer_question!r}: one of {', '.join(QUESTIONS)}")
        if self.answer_at_most is not None and not _whole(self.answer_at_most, 1, 4):
            raise LPTError(f"answer_at_most is a score from 1 to 4 (answers run 1-5), not {self.answer_at_most!r}")
        if self.group is not None and self.group not in GROUPS:
            raise LPTError(f"unknown group {self.group!r}: one of {', '.join(GROUPS)}")
        for name, allowed in (("age_bands", AGE_BANDS), ("sexes", SEXES), ("ethnic_groups", ETHNIC_GROUPS)):
            unknown = [v for v in getattr(self, name) if v not in allowed]
            if unknown:
                raise LPTError(f"unknown {name.replace('_', ' ')} {', '.join(map(repr, unknown))}: one of {', '.join(allowed)}")
        if not all(_whole(d, 1, 10) for d in self.imd_deciles):
            raise LPTError(f"IMD deciles run from 1 (most deprived) to 10: {self.imd_deciles!r}")
        if self.census_group is not None and self.census_group not in ETHNIC_GROUPS:
            raise LPTError(f"unknown census group {self.census_group!r}: one of {', '.join(ETHNIC_GROUPS)}")
        if self.census_min_pct is not None and not (
            isinstance(self.census_min_pct, int | float) and 0 < self.census_min_pct <= 100
        ):
            raise LPTError(f"census_min_pct is a share of residents above 0 and up to 100, not {self.census_min_pct!r}")
        if self.recommended_top is not None and not _whole(self.recommended_top, 1, 1000):
            raise LPTError(f"recommended_top is a number of streets per ward (1 or more), not {self.recommended_top!r}")

    @property
    def on_members(self) -> bool:
        """Whether some criteria are about registered members (and so select registered households)."""
        return bool(self.answer_question or self.group or self.age_bands or self.sexes or self.ethnic_groups)

    def describe(self) -> list[str]:
        parts = []
        if self.answer_question:
            parts.append(f"{self.answer_question.replace('_', ' ')} answered {self.answer_at_most} or lower")
        if self.group:
            parts.append(f"members of {self.group.replace('_', ' ')}")
        parts += [f"members {', '.join(v)}" for v in (self.age_bands, self.sexes, self.ethnic_groups) if v]
        if self.imd_deciles:
            parts.append(f"IMD decile {', '.join(map(str, sorted(self.imd_deciles)))}")
        if self.census_group:
            parts.append(f"LSOAs at least {self.census_min_pct:g}% {self.census_group} (census)")
        if self.recommended_top:
            parts.append(f"the top {self.recommended_top} recommended streets of each ward")
        return parts


@dataclass(frozen=True)
class SetupSpec:
    """A setup as its manager describes it: ``name``, ``area``, ``starts_on`` and ``ends_on`` (the days
    visits may be recorded, Europe/London; ``ends_on`` None: until archived), ``criteria``, ``revisit``
    (keep registered and declined households on the list), ``team_id`` (the owner team; default the
    creator's). JSON with :meth:`to_json` and :meth:`from_json`."""

    name: str
    area: SetupArea
    starts_on: date
    ends_on: date | None = None
    criteria: Criteria = field(default_factory=Criteria)
    revisit: bool = False
    team_id: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.area, dict):
            object.__setattr__(self, "area", _from_dict(SetupArea, self.area, "area"))
        if isinstance(self.criteria, dict):
            object.__setattr__(self, "criteria", _from_dict(Criteria, self.criteria, "criteria"))
        for name in ("starts_on", "ends_on"):
            object.__setattr__(self, name, _day(getattr(self, name), name))
        if not isinstance(self.name, str) or not self.name.strip():
            raise LPTError("a setup needs a name")
        object.__setattr__(self, "name", self.name.strip())
        if not isinstance(self.area, SetupArea) or not isinstance(self.criteria, Criteria):
            raise LPTError("a setup's area is a SetupArea and its criteria a Criteria")
        if self.starts_on is None:
            raise LPTError("a setup needs the day it starts (starts_on)")
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise LPTError(f"a setup ends on or after the day it starts: {self.ends_on} is before {self.starts_on}")
        if not isinstance(self.revisit, bool):
            raise LPTError(f"revisit is true or false, not {self.revisit!r}")
        if self.criteria.on_members and not self.revisit:
            raise LPTError(
                "criteria on registered members (survey answers, groups, demographics) select registered "
                "households only: such a setup must revisit them (revisit=True)"
            )

    def open_on(self, day: date) -> bool:
        """Whether visits may be recorded on ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def describe(self) -> str:
        """One line for a list, e.g. 'ward E05000001; IMD decile 1, 2; revisits registered households'."""
        parts = [self.area.describe(), *self.criteria.describe()]
        if self.revisit:
            parts.append("revisits registered and declined households")
        return "; ".join(parts)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str) -> SetupSpec:
        return _from_dict(cls, _loads(text, "a setup"), "a setup")


@dataclass(frozen=True)
class Setup:
    """A stored setup: its ``spec`` and what the store adds."""

    setup_id: int
    kind: str  # targeted, every_door
    owner: str
    status: str  # active, archived
    created_at: datetime
    archived_at: datetime | None
    spec: SetupSpec

    @property
    def active(self) -> bool:
        return self.status == "active"


def create_setup(engine: Engine, caller: User, spec: SetupSpec, *, purpose: str, now: datetime | None = None) -> int:
    """Store a new targeted setup; returns its ID.

    The caller needs ``manage_setups`` over every ward the area touches (a force-wide area: over the
    force). ``spec.team_id`` defaults to the caller's team; only a force-wide manager may name another.
    """
    return _insert(engine, caller, spec, "targeted", purpose, now)


def update_setup(engine: Engine, caller: User, setup_id: int, spec: SetupSpec, *, purpose: str) -> None:
    """Replace an active targeted setup's spec (the caller must manage its old and its new area)."""
    setup = load_setup(engine, setup_id)
    if setup.kind != "targeted":
        raise LPTError("the every-door setup covers every household; it is not edited")
    authorize_manager(engine, caller, setup.spec, purpose)
    authorize_manager(engine, caller, spec, purpose)
    team_id = _team(engine, caller, spec, purpose)
    values = _columns(spec) | {"team_id": team_id}
    _change(engine, setup_id, values, "edited")
    record_access(engine, caller.user_id, _MANAGE, purpose, None, 1, "allowed", f"setup {setup_id} edited")


def archive_setup(engine: Engine, caller: User, setup_id: int, *, purpose: str, now: datetime | None = None) -> None:
    """Archive an active setup: it leaves every active list and takes no more visits; nothing is deleted."""
    setup = load_setup(engine, setup_id)
    authorize_manager(engine, caller, setup.spec, purpose)
    _change(engine, setup_id, {"status": "archived", "archived_at": utc(now)}, "archived")
    record_access(engine, caller.user_id, _MANAGE, purpose, None, 1, "allowed", f"setup {setup_id} archived")


def every_door_setup(
    engine: Engine, caller: User, *, purpose: str, starts_on: date | None = None, now: datetime | None = None
) -> int:
    """The ID of the force-wide "every door" setup (every household, no revisits), created on first use.

    Anyone who may list setups gets it; creating it needs ``manage_setups`` over the force (an admin).
    ``starts_on`` (default: today) is the first day of the campaign when it is created.
    """
    found = every_door_id(engine)
    if found is not None:
        authorize(engine, caller, action_for(caller, _LISTERS), purpose=purpose)
        return found
    spec = SetupSpec(EVERY_DOOR, SetupArea(), starts_on or local_day(utc(now)), team_id=None)
    try:
        return _insert(engine, caller, spec, "every_door", purpose, now)
    except IntegrityError:  # created by someone else a moment ago (one active every-door setup)
        found = every_door_id(engine)
        if found is None:
            raise
        return found


def every_door_id(engine: Engine) -> int | None:
    """The ID of the active every-door setup, if there is one (no personal data: no access check)."""
    with engine.connect() as connection:
        return connection.execute(
            select(setups.c.id).where(setups.c.kind == "every_door", setups.c.status == "active")
        ).scalar_one_or_none()


def setups_of(engine: Engine, caller: User, *, include_archived: bool = False, purpose: str) -> pd.DataFrame:
    """The setups touching the caller's areas (all of them for force-wide roles), newest first.

    Columns: ``setup_id``, ``name``, ``kind`` (targeted, every_door), ``team_id``, ``owner``, ``status``,
    ``starts_on``, ``ends_on``, ``revisit``, ``wards`` (tuple of ward codes; None: force-wide),
    ``description`` (one line), ``spec`` (the :class:`SetupSpec`), ``created_at``, ``archived_at``.
    Action ``manage_setups``, for officers ``address_status``, for analysts and evaluators ``area_counts``.
    """
    granted = authorize(engine, caller, action_for(caller, _LISTERS), purpose=purpose)
    rows = []
    for setup in load_setups(engine):
        wards = setup.spec.area.wards_of(engine)
        if (include_archived or setup.active) and wards_within(wards, granted.wards) != frozenset():
            spec = setup.spec
            rows.append({
                "setup_id": setup.setup_id, "name": spec.name, "kind": setup.kind, "team_id": spec.team_id,
                "owner": setup.owner, "status": setup.status, "starts_on": spec.starts_on, "ends_on": spec.ends_on,
                "revisit": spec.revisit, "wards": None if wards is None else tuple(sorted(wards)),
                "description": spec.describe(), "spec": spec, "created_at": setup.created_at,
                "archived_at": setup.archived_at,
            })
    record_access(engine, caller.user_id, granted.grant.action, purpose, granted.area, len(rows), "allowed", "setups")
    columns = ["setup_id", "name", "kind", "team_id", "owner", "status", "starts_on", "ends_on", "revisit", "wards",
               "description", "spec", "created_at", "archived_at"]
    return pd.DataFrame(rows, columns=columns)


def load_setup(engine: Engine | Connection, setup_id: int) -> Setup:
    """The stored setup (no access check: setups hold no personal data); LPTError if there is none."""
    query = select(setups).where(setups.c.id == int(setup_id))
    if isinstance(engine, Connection):
        row = engine.execute(query).first()
    else:
        with engine.connect() as connection:
            row = connection.execute(query).first()
    if row is None:
        raise LPTError(f"no setup {setup_id}")
    return _setup(row)


def load_setups(engine: Engine, *, team_id: str | None = None) -> list[Setup]:
    """Every stored setup, active and archived (of ``team_id`` if given), newest first; no access check
    (setups hold no personal data: their lists, visits and counts check their reader)."""
    query = select(setups).order_by(setups.c.created_at.desc(), setups.c.id.desc())
    if team_id is not None:
        query = query.where(setups.c.team_id == team_id)
    with engine.connect() as connection:
        return [_setup(row) for row in connection.execute(query)]


def authorize_setup(engine: Engine, caller: User, setup: Setup, action: str, *, purpose: str) -> frozenset[str] | None:
    """Authorize ``action`` for the caller's areas and return the wards of the setup they may touch
    (None: every ward). PermissionDenied (audited) when the setup lies wholly outside their areas."""
    granted = authorize(engine, caller, action, purpose=purpose)
    wards = wards_within(setup.spec.area.wards_of(engine), granted.wards)
    if wards == frozenset():
        refuse(engine, caller, action, purpose, f"setup {setup.setup_id}", "it lies outside the areas the user covers")
    return wards


def wards_within(wards: frozenset[str] | None, allowed: frozenset[str] | None) -> frozenset[str] | None:
    """The wards of a setup (``wards``; None: force-wide) that a caller allowed ``allowed`` (None: every
    ward) may touch: None for every ward, an empty set for none."""
    if wards is None or allowed is None:
        return allowed if wards is None else wards
    return wards & allowed


def authorize_manager(engine: Engine, caller: User, spec: SetupSpec, purpose: str) -> None:
    """Authorize ``manage_setups`` over every ward of ``spec``'s area (over the force for a force-wide one);
    LPTError for ward codes the store does not know (rather than a refusal that blames the user's areas)."""
    if spec.area.wards:
        with engine.connect() as connection:
            known = set(connection.execute(
                select(ref_lsoa21.c.ward_code).distinct().where(ref_lsoa21.c.ward_code.in_(spec.area.wards))).scalars())
        unknown = sorted(set(spec.area.wards) - known)
        if unknown:
            raise LPTError(f"unknown ward code {', '.join(unknown)}: not in the store's ward lookup")
    for area in spec.area.areas(engine):
        authorize(engine, caller, _MANAGE, purpose=purpose, area=area)


def refuse(engine: Engine, caller: User, action: str, purpose: str, what: str, reason: str) -> NoReturn:
    """Record a refusal in the audit log and raise PermissionDenied (for checks beyond the guard's)."""
    record_access(engine, caller.user_id, action, purpose, None, 0, "refused", f"{what}: {reason}")
    raise PermissionDenied(f"{caller.user_id} may not {action.replace('_', ' ')} for {what}: {reason}")


def action_for(caller: User, actions: tuple[str, ...]) -> str:
    """The first of ``actions`` the caller's role is granted (the first if none is: the guard refuses it)."""
    return next((action for action in actions if grant(caller.role, action) is not None), actions[0])


def utc(moment: datetime | None) -> datetime:
    """``moment`` in UTC (now when None); LPTError for a naive datetime, whose day and hour are ambiguous."""
    if moment is None:
        return datetime.now(UTC)
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise LPTError(f"times need a time zone (e.g. datetime.now(UTC)), not {moment!r}")
    return moment.astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The day of ``moment`` (time-zone-aware) in Europe/London."""
    return utc(moment).astimezone(LONDON).date()


# --- internals ------------------------------------------------------------------


def _insert(engine: Engine, caller: User, spec: SetupSpec, kind: str, purpose: str, now: datetime | None) -> int:
    authorize_manager(engine, caller, spec, purpose)
    team_id = _team(engine, caller, spec, purpose) if kind == "targeted" else None
    values = _columns(spec) | {"team_id": team_id, "kind": kind, "owner": caller.user_id, "status": "active",
                               "created_at": utc(now), "archived_at": None}
    with engine.begin() as connection:
        setup_id = connection.execute(insert(setups).values(**values).returning(setups.c.id)).scalar_one()
    record_access(engine, caller.user_id, _MANAGE, purpose, None, 1, "allowed", f"setup {setup_id} created ({kind})")
    return int(setup_id)


def _team(engine: Engine, caller: User, spec: SetupSpec, purpose: str) -> str | None:
    """The owner team: the spec's (which must exist, and be the caller's unless they manage force-wide)."""
    team_id = spec.team_id or caller.team_id
    if team_id is None:
        return None
    with engine.connect() as connection:
        if connection.execute(select(teams.c.team_id).where(teams.c.team_id == team_id)).first() is None:
            raise LPTError(f"no team {team_id!r}")
    permission = grant(caller.role, _MANAGE)
    if team_id != caller.team_id and (permission is None or permission.scope != "force"):
        refuse(engine, caller, _MANAGE, purpose, f"team {team_id}", "only force-wide managers set up work for another team")
    return team_id


def _columns(spec: SetupSpec) -> dict:
    return {
        "name": spec.name, "area": json.dumps(asdict(spec.area), sort_keys=True),
        "criteria": json.dumps(asdict(spec.criteria), sort_keys=True), "starts_on": spec.starts_on,
        "ends_on": spec.ends_on, "revisit": spec.revisit,
    }


def _change(engine: Engine, setup_id: int, values: dict, what: str) -> None:
    """Update an active setup in one statement (no read first, so a concurrent archive wins cleanly)."""
    with engine.begin() as connection:
        changed = connection.execute(
            update(setups).where(setups.c.id == int(setup_id), setups.c.status == "active").values(**values)
        ).rowcount
    if not changed:
        raise LPTError(f"setup {setup_id} is archived: it cannot be {what}")


def _setup(row) -> Setup:
    spec = SetupSpec(
        name=row.name, area=_from_dict(SetupArea, _loads(row.area, "an area"), "area"),
        criteria=_from_dict(Criteria, _loads(row.criteria, "criteria"), "criteria"), starts_on=row.starts_on,
        ends_on=row.ends_on, revisit=bool(row.revisit), team_id=row.team_id,
    )
    archived = None if row.archived_at is None else row.archived_at.replace(tzinfo=row.archived_at.tzinfo or UTC)
    created = row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC)
    return Setup(int(row.id), row.kind, row.owner, row.status, created, archived, spec)


def _loads(text: str, what: str) -> dict:
    try:
        values = json.loads(text)
    except (TypeError, json.JSONDecodeError) as exc:
        raise LPTError(f"{what} is a JSON object: {exc}") from None
    if not isinstance(values, dict):
        raise LPTError(f"{what} is a JSON object, not {type(values).__name__}")
    return values


def _from_dict(cls, values: dict, what: str):
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise LPTError(f"{what} takes {', '.join(sorted(known))}; not {', '.join(unknown)}")
    try:
        return cls(**values)
    except TypeError as exc:
        raise LPTError(f"{what}: {exc}") from None


def _day(value, name: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise LPTError(f"{name} is a day, e.g. 2025-06-01, not {value!r}") from None


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_pair(first: str, a, second: str, b) -> None:
    if (a is None) != (b is None):
        raise LPTError(f"{first} and {second} go together: give both or neither")

