"""Public confidence over time in an area (the force, a district or a ward), and who takes part.

For the confidence evaluation notebook (``notebooks/evaluation_confidence.ipynb``); each function takes
the area (``level`` ``force``, ``district`` or ``ward`` and its ``code``), the survey waves
(``first_wave`` to ``last_wave``, ``YYYYQn``; None: the first or latest held) and, where it says so, a
breakdown ``by`` (:data:`BY`).

* :func:`confidence_over_time`: the share confident (4-5 of 5) per wave, raked to the area's census age
  and ethnic margins each wave (:func:`lpt.stats.weighting.rake_cells`, as
  :func:`lpt.stats.weighting.weighted_confidence` rakes per area), with Wilson 95% intervals on Kish's
  effective sample size, and a trend test: a survey-weighted logistic regression of confident on the
  wave number (pseudo-likelihood, Binder 1983, *International Statistical Review* 51:279-292; Lumley
  and Scott 2017, "Fitting regression models to survey data", *Statistical Science* 32:265-278) with
  standard errors clustered by ward, or by member when the area has fewer than
  :data:`~lpt.evaluation.confidence_effect.FEW_CLUSTERS` wards (then a ward's own ups and downs are not
  allowed for; members answering wave after wave are).
* :func:`response_rates_over_time`: members asked and answering per wave (lpt.messaging.surveys), by
  membership group; waves from before invitations were recorded count the members registered on the
  wave's first day.
* :func:`engagement_of_underrepresented`: the groups least represented among members against the census
  when the period began (:func:`lpt.stats.representation.least_represented`), and wave by wave their
  share of members, of new registrations and of respondents, with the representation index (share over
  census share; Wilson interval). The gap closes when the group's share of those registering exceeds its
  share of members at the start (a two-proportion z-test: the two are different people).
* :func:`advisory_group_diversity`: members of the independent advisory group by ethnic group and age
  band against the area's census population.

Access: the weighted model through action ``statistical_models``, counts through ``area_counts``
(response rates: ``message_reports``), every read audited. Counts of people pass through internal
disclosure control (lpt.disclosure); a share or index whose count is hidden is hidden with it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sqlalchemy import Engine, select
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.tools.sm_exceptions import SpecificationWarning

from lpt.access.guard import Area, Authorized, User, authorize, record_access
from lpt.census import adult_age_counts, ethnic_counts
from lpt.disclosure import Audience, disclose, disclose_count, disclose_counts
from lpt.errors import LPTError
from lpt.evaluation.confidence_effect import FEW_CLUSTERS
from lpt.messaging.surveys import response_rates
from lpt.stats import representation, weighting
from lpt.stats.microdata import registered_members, respondents
from lpt.store.frames import read_query
from lpt.store.schema import ref_lsoa21
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, GROUPS, SEXES

__all__ = [
    "ALL",
    "BY",
    "DIVERSITY_COLUMNS",
    "ENGAGEMENT_COLUMNS",
    "GAP_COLUMNS",
    "LEVELS",
    "OVER_TIME_COLUMNS",
    "RATE_COLUMNS",
    "TREND_COLUMNS",
    "Diversity",
    "Engagement",
    "OverTime",
    "advisory_group_diversity",
    "confidence_over_time",
    "engagement_of_underrepresented",
    "response_rates_over_time",
]

#: Areas an evaluation is of.
LEVELS = ("force", "district", "ward")
#: Breakdowns of :func:`confidence_over_time` and their categories (blank answers: ``(not stated)``).
BY: dict[str, tuple[str, ...]] = {"age_band": AGE_BANDS, "ethnic_group": ETHNIC_GROUPS, "sex": SEXES}
#: The group label of the whole area's figures.
ALL = "All"
#: Columns of :attr:`OverTime.table`, one row per wave and group: ``wave``; ``group`` (:data:`ALL` or a
#: category of ``by``); ``n`` (answers, disclosure-controlled with the groups of the wave as one table);
#: ``unweighted`` and ``weighted`` share confident (0-1); ``ci_low``, ``ci_high`` (Wilson 95% on Kish's
#: effective n); ``efficiency`` (Kish n_eff / n); ``small_base`` (n below lpt.stats.weighting.SMALL_BASE).
#: Figures on fewer than 5 answers are NaN.
OVER_TIME_COLUMNS = ["wave", "group", "n", "unweighted", "weighted", "ci_low", "ci_high", "efficiency", "small_base"]
#: Columns of :attr:`OverTime.trends`, one row per group: ``group``; ``first_wave`` and ``first``,
#: ``last_wave`` and ``last`` (weighted shares at the ends); ``odds_ratio`` of being confident per wave
#: (quarter) with ``ci_low``, ``ci_high`` and ``p_value`` (NaN with too few answers);
#: ``clustered_by`` (``ward`` or ``member``); ``sentence``.
TREND_COLUMNS = ["group", "first_wave", "first", "last_wave", "last", "odds_ratio", "ci_low", "ci_high", "p_value",
                 "clustered_by", "sentence"]
#: Columns of :func:`response_rates_over_time`: ``wave``; ``group`` (:data:`ALL` members, or a membership
#: group of lpt.vocab.GROUPS); ``base`` (``invited``, or ``registered`` for a wave without recorded
#: invitations); ``invited`` (asked) and ``responded`` (<NA> where hidden), ``rate_pct`` (NaN where hidden;
#: lpt.messaging.surveys.response_rates).
RATE_COLUMNS = ["wave", "group", "base", "invited", "responded", "rate_pct"]
#: Columns of :attr:`Engagement.table`, one row per wave, named group and ``who``: ``wave``;
#: ``dimension`` and ``category`` (the group); ``who`` (``members`` registered at the wave's end,
#: ``registrations`` during it (still registered at its end), ``respondents`` to it); ``people``
#: (disclosure-controlled); ``share`` of those who stated the dimension; ``census_share``; ``index``
#: (share / census share) with ``index_low``, ``index_high`` (Wilson 95%).
ENGAGEMENT_COLUMNS = ["wave", "dimension", "category", "who", "people", "share", "census_share", "index",
                      "index_low", "index_high"]
#: Columns of :attr:`Engagement.gaps`, one row per named group: ``dimension``, ``category``,
#: ``census_share``; ``share_start`` (of members when the first wave began), ``share_registering`` (of those
#: who registered from then to the last wave's end); ``index_start``, ``index_end`` (members at the last
#: wave's end), ``index_registering``; ``p_value`` (two-proportion z-test, registering against start);
#: ``verdict`` (``closing``, ``widening``, ``no clear change``); ``sentence``.
GAP_COLUMNS = ["dimension", "category", "census_share", "share_start", "share_registering", "index_start",
               "index_end", "index_registering", "p_value", "verdict", "sentence"]
#: Columns of :attr:`Diversity.table`, one row per dimension and category: ``dimension``, ``category``,
#: ``members`` (of the group; disclosure-controlled with the dimension's total as one table), ``share``
#: (of those who stated the dimension), ``census_share``, ``index`` with ``index_low``, ``index_high``.
DIVERSITY_COLUMNS = ["dimension", "category", "members", "share", "census_share", "index", "index_low", "index_high"]

_PURPOSE = "confidence evaluation"
_WAVE = re.compile(r"\d{4}Q[1-4]")
_ADVISORY = "independent_advisory_group"
_WHO = ("members", "registrations", "respondents")


@dataclass(frozen=True)
class OverTime:
    """:func:`confidence_over_time`: the ``area`` (its name), the ``waves`` covered, ``table``
    (:data:`OVER_TIME_COLUMNS`), ``trends`` (:data:`TREND_COLUMNS`, :data:`ALL` first) and the headline
    ``sentence`` (the area's trend)."""

    area: str
    waves: tuple[str, ...]
    table: pd.DataFrame
    trends: pd.DataFrame
    sentence: str


@dataclass(frozen=True)
class Engagement:
    """:func:`engagement_of_underrepresented`: the ``named`` groups (lpt.stats.representation.NAMED_COLUMNS,
    members when the first wave began), ``table`` (:data:`ENGAGEMENT_COLUMNS`), ``gaps``
    (:data:`GAP_COLUMNS`) and a ``sentence``."""

    area: str
    named: pd.DataFrame
    table: pd.DataFrame
    gaps: pd.DataFrame
    sentence: str


@dataclass(frozen=True)
class Diversity:
    """:func:`advisory_group_diversity`: the ``area``, the day ``on`` which membership is counted, the
    group's ``members`` living in the area (None when hidden), ``table`` (:data:`DIVERSITY_COLUMNS`) and a
    ``sentence``."""

    area: str
    on: str
    members: int | None
    table: pd.DataFrame
    sentence: str


@dataclass(frozen=True)
class _Place:
    """An authorized area: the grant, its ``name``, its ``key`` (code, or ``force``) and ``lookup``
    (LSOA 2021 code -> key for the area's LSOAs)."""

    granted: Authorized
    name: str
    key: str
    lookup: pd.Series


def confidence_over_time(
    engine: Engine, caller: User, *, level: str = "force", code: str | None = None, first_wave: str | None = None,
    last_wave: str | None = None, by: str | None = None, purpose: str = _PURPOSE,
) -> OverTime:
    """The weighted share confident in the area per wave (and per group of ``by``), with a trend test.

    Action ``statistical_models`` over the area. See the module docstring for the method.
    """
    if by is not None and by not in BY:
        raise LPTError(f"by is one of {', '.join(BY)} (or None), not {by!r}")
    place = _place(engine, caller, "statistical_models", level, code, purpose)
    inputs = weighting.load_inputs(engine, place.granted.wards)
    held = inputs.respondents
    waves = _waves(held["wave"], first_wave, last_wave)
    answers = held[held["wave"].isin(waves)].assign(
        area=place.key, confident=held["confidence"].isin(weighting.CONFIDENT).astype(float),
        group=_groups(held, by)).reset_index(drop=True)
    shares = weighting.margins(inputs.census_age, inputs.census_ethnic, place.lookup)
    answers["weight"] = weighting.rake_cells(answers, shares, area="area", by=["wave"])
    order = [ALL, *(BY[by] if by else ()), *((weighting.NOT_STATED,) if by else ())]
    table = pd.concat([_wave_figures(wave, rows, order) for wave, rows in answers.groupby("wave", sort=True)],
                      ignore_index=True)
    trends = pd.DataFrame([_trend(place.name, group, answers if group == ALL else answers[answers["group"] == group],
                                  table[table["group"] == group], waves)
                           for group in order if (table["group"] == group).any()], columns=TREND_COLUMNS)
    _audit(engine, place, "statistical_models", len(answers), "confidence over time")
    return OverTime(place.name, tuple(waves), table[OVER_TIME_COLUMNS], trends, trends["sentence"].iloc[0])


def response_rates_over_time(
    engine: Engine, caller: User, *, level: str = "force", code: str | None = None, first_wave: str | None = None,
    last_wave: str | None = None, purpose: str = _PURPOSE,
) -> pd.DataFrame:
    """Members asked and answering per wave, all and by membership group (:data:`RATE_COLUMNS`).

    From :func:`lpt.messaging.surveys.response_rates` over the area (action ``message_reports``): members
    invited where the wave's invitations were recorded, else members registered on its first day.
    """
    _check_area(level, code)
    area = Area(level, code)
    tables = {}
    for base in ("invited", "registered"):
        total = response_rates(engine, caller, by="ward", area=area, base=base, purpose=purpose)
        groups = response_rates(engine, caller, by="group", area=area, base=base, purpose=purpose)
        total = total[total["ward_code"] == "Total"].assign(group=ALL)
        tables[base] = pd.concat([total, groups], ignore_index=True).assign(base=base)
    invited = tables["invited"]
    rows = pd.concat([invited, tables["registered"][~tables["registered"]["wave"].isin(invited["wave"])]])
    waves = _waves(rows["wave"], first_wave, last_wave) if len(rows) else []
    order = {name: i for i, name in enumerate((ALL, *GROUPS))}
    rows = rows[rows["wave"].isin(waves)].assign(order=rows["group"].map(order)).sort_values(["wave", "order"])
    types = {"invited": "Int64", "responded": "Int64", "rate_pct": "Float64"}
    return rows[RATE_COLUMNS].astype(types).astype({"rate_pct": float}).reset_index(drop=True)


def engagement_of_underrepresented(
    engine: Engine, caller: User, *, level: str = "force", code: str | None = None, first_wave: str | None = None,
    last_wave: str | None = None, k: int = 2, purpose: str = _PURPOSE,
) -> Engagement:
    """The ``k`` groups least represented among the area's members when ``first_wave`` began, and per wave
    their members, registrations and respondents against the census: is the gap closing?

    Action ``area_counts`` over the area. See the module docstring for the method.
    """
    place = _place(engine, caller, "area_counts", level, code, purpose)
    wards = place.granted.wards
    answers = respondents(engine, wards)
    waves = _waves(answers["wave"], first_wave, last_wave)
    census = (adult_age_counts(engine), ethnic_counts(engine))
    start = registered_members(engine, _day(waves[0], "start"), wards)
    represented = {"start": _represent(start, place, census)}
    named = representation.least_represented(represented["start"], k=k)
    rows = []
    for number, wave in enumerate(waves):
        before = registered_members(engine, _day(wave, "start"), wards) if number else start
        end = registered_members(engine, _day(wave, "end"), wards)
        people = {"members": end, "registrations": end[~end["member_id"].isin(before["member_id"])],
                  "respondents": answers[answers["wave"] == wave]}
        for who in _WHO:
            represented[who] = _represent(people[who], place, census)
            rows.append(represented[who].merge(named[["dimension", "category"]]).assign(wave=wave, who=who))
    table = _engagement_table(rows)
    joined = _represent(end[~end["member_id"].isin(start["member_id"])], place, census)
    gaps = _gaps(named, represented["start"], represented["members"], joined, waves)  # members: the last wave's
    _audit(engine, place, "area_counts", len(start) + len(answers), "engagement of under-represented groups")
    sentence = (f"No group is clearly under-represented among members in {place.name} when {waves[0]} began."
                if named.empty else " ".join(gaps["sentence"]))
    return Engagement(place.name, named, table, gaps, sentence)


def advisory_group_diversity(
    engine: Engine, caller: User, *, level: str = "force", code: str | None = None, last_wave: str | None = None,
    purpose: str = _PURPOSE,
) -> Diversity:
    """Members of the independent advisory group living in the area, by ethnic group and age band, against
    the area's census population, on the last day of ``last_wave`` (None: the latest wave held).

    Action ``area_counts`` over the area. Age bands are compared with adults, ethnic groups with all
    residents (lpt.stats.representation).
    """
    place = _place(engine, caller, "area_counts", level, code, purpose)
    wards = place.granted.wards
    on = _day(_waves(respondents(engine, wards)["wave"], None, last_wave)[-1], "end")
    people = registered_members(engine, on, wards)
    advisory = people[(";" + people["groups"] + ";").str.contains(f";{_ADVISORY};", regex=False)]
    table = _represent(advisory, place, (adult_age_counts(engine), ethnic_counts(engine)))
    shown = [_disclosed_dimension(rows) for _, rows in table.groupby("dimension", sort=False)]
    out = pd.concat(shown, ignore_index=True)[DIVERSITY_COLUMNS]
    members = disclose_count(len(advisory), Audience.INTERNAL)
    _audit(engine, place, "area_counts", len(advisory), "advisory group diversity")
    return Diversity(place.name, on, members, out, _diversity_sentence(place.name, members, out))


# --- internals ------------------------------------------------------------------


def _check_area(level: str, code: str | None) -> None:
    if level not in LEVELS:
        raise LPTError(f"level is one of {', '.join(LEVELS)}, not {level!r}")
    if level != "force" and not code:
        raise LPTError(f"a {level} needs its code")


def _place(engine: Engine, caller: User, action: str, level: str, code: str | None, purpose: str) -> _Place:
    """Authorize ``action`` over the area and find its name and LSOAs; LPTError for an unknown code."""
    _check_area(level, code)
    granted = authorize(engine, caller, action, purpose=purpose, area=Area(level, code))
    query = select(ref_lsoa21.c.lsoa21_code, ref_lsoa21.c.ward_code, ref_lsoa21.c.ward_name, ref_lsoa21.c.district_name)
    if granted.wards is not None:
        query = query.where(ref_lsoa21.c.ward_code.in_(sorted(granted.wards)))
    lsoas = read_query(engine, query)
    if lsoas.empty:
        raise LPTError(f"no LSOAs in {level} {code}: unknown code")
    name = {"force": "the force", "district": lsoas["district_name"].iloc[0], "ward": lsoas["ward_name"].iloc[0]}[level]
    key = code or "force"
    return _Place(granted, name, key, pd.Series(key, index=lsoas["lsoa21_code"].to_numpy()))


def _waves(held: Iterable[str], first: str | None, last: str | None) -> list[str]:
    """The waves held from ``first`` to ``last`` (None: no limit); LPTError for a malformed wave or none held."""
    for name, wave in (("first_wave", first), ("last_wave", last)):
        if wave is not None and not _WAVE.fullmatch(str(wave)):
            raise LPTError(f"{name} is a survey wave like 2025Q1, not {wave!r}")
    chosen = sorted(w for w in set(held) if (first is None or w >= first) and (last is None or w <= last))
    if not chosen:
        raise LPTError(f"no survey wave held from {first or 'the first'} to {last or 'the latest'}")
    return chosen


def _day(wave: str, end: str) -> str:
    """The first (``start``) or last (``end``) day of a wave, YYYY-MM-DD."""
    period = pd.Period(wave, freq="Q")
    return str((period.start_time if end == "start" else period.end_time).date())


def _groups(answers: pd.DataFrame, by: str | None) -> pd.Series:
    """Each answer's group of ``by`` (blank: not stated); :data:`ALL` without ``by``."""
    if by is None:
        return pd.Series(ALL, index=answers.index)
    values = answers[by].fillna("")
    return values.where(values.isin(BY[by]), weighting.NOT_STATED)


def _wave_figures(wave: str, answers: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """One wave's weighted figures for the area and each group, ``n`` disclosed as one table."""
    rows = []
    for group in order:
        chosen = answers if group == ALL else answers[answers["group"] == group]
        if chosen.empty:
            continue
        fitted = weighting.weighted_estimate(chosen["confident"], chosen["weight"], kind="proportion")
        raw = weighting.weighted_estimate(chosen["confident"], kind="proportion")
        rows.append({"wave": wave, "group": group, "n": fitted.n, "unweighted": raw.estimate,
                     "weighted": fitted.estimate, "ci_low": fitted.ci_low, "ci_high": fitted.ci_high,
                     "efficiency": fitted.efficiency, "small_base": fitted.small_base})
    table = pd.DataFrame(rows)
    parts = table[table["group"] != ALL].set_index("group")["n"]
    if len(parts):  # the groups break down the whole: disclosed as one table, the whole its total
        shown = disclose(parts, Audience.INTERNAL).values.rename({"Total": ALL})
        table["n"] = table["group"].map(shown).astype("Int64")
    else:
        table["n"] = disclose_counts(table["n"], Audience.INTERNAL)
    return table.astype({name: float for name in ("unweighted", "weighted", "ci_low", "ci_high", "efficiency")})


def _trend(area: str, group: str, answers: pd.DataFrame, figures: pd.DataFrame, waves: list[str]) -> dict:
    """The trend test of one group (:data:`TREND_COLUMNS`)."""
    first, last = figures.iloc[0], figures.iloc[-1]
    row = {"group": group, "first_wave": first["wave"], "first": first["weighted"], "last_wave": last["wave"],
           "last": last["weighted"], "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
           "clustered_by": None}
    who = area if group == ALL else f"{_label(group)} in {area}"
    testable = (len(answers) >= weighting.SMALL_BASE and answers["wave"].nunique() >= 2
                and 0 < answers["confident"].mean() < 1)
    if not testable:
        return row | {"sentence": f"{who}: too few answers for a trend test."}
    number = answers["wave"].map({w: (pd.Period(w, freq="Q") - pd.Period(waves[0], freq="Q")).n for w in waves})
    by_ward = answers["ward_code"].nunique() >= FEW_CLUSTERS
    clusters = answers["ward_code"] if by_ward else answers["member_id"].fillna(answers["response_id"])
    design = sm.add_constant(number.astype(float).rename("wave").to_frame())
    with warnings.catch_warnings():  # statsmodels warns that var_weights and a robust covariance are "not fully
        warnings.simplefilter("ignore", SpecificationWarning)  # supported"; the sandwich is the pseudo-likelihood's
        fit = sm.GLM(answers["confident"], design, family=sm.families.Binomial(),  # (checked by hand in the tests)
                     var_weights=answers["weight"]).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(clusters)[0]},
                                                        use_t=True)
    low, high = np.exp(fit.conf_int().loc["wave"])
    row |= {"odds_ratio": float(np.exp(fit.params["wave"])), "ci_low": float(low), "ci_high": float(high),
            "p_value": float(fit.pvalues["wave"]), "clustered_by": "ward" if by_ward else "member"}
    return row | {"sentence": _trend_sentence(who, row)}


def _trend_sentence(who: str, row: dict) -> str:
    ends = f"{_percent(row['first'])} confident in {row['first_wave']}, {_percent(row['last'])} in {row['last_wave']}"
    p = row["p_value"]
    if p >= 0.05:
        return f"{who}: {ends}; no clear trend across the waves (p = {p:.2f})."
    direction = "rising" if row["odds_ratio"] > 1 else "falling"
    return (f"{who}: {ends}; a {direction} trend (odds of being confident x{row['odds_ratio']:.2f} a quarter, "
            f"95% interval {row['ci_low']:.2f} to {row['ci_high']:.2f}; p = {p:.3f}).")


def _represent(people: pd.DataFrame, place: _Place, census: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """lpt.stats.representation.representation of ``people`` with the whole area as one unit."""
    return representation.representation(people.assign(ward_code=place.key), *census, place.lookup)


def _engagement_table(rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The per-wave rows with counts disclosed and the figures of hidden counts hidden."""
    if not rows or all(r.empty for r in rows):
        return pd.DataFrame(columns=ENGAGEMENT_COLUMNS)
    table = pd.concat(rows, ignore_index=True).rename(columns={"people_share": "share"})
    table["people"] = disclose_counts(table["people"], Audience.INTERNAL)
    return _hide_with_count(table, "people")[ENGAGEMENT_COLUMNS]


def _gaps(named: pd.DataFrame, start: pd.DataFrame, end: pd.DataFrame, joined: pd.DataFrame,
          waves: list[str]) -> pd.DataFrame:
    """For each named group: members at the start and end, registrations between, and the z-test."""
    rows = []
    keys = ["dimension", "category"]
    for _, group in named.iterrows():
        at = [frame.set_index(keys).loc[(group["dimension"], group["category"])] for frame in (start, end, joined)]
        first, last, joining = at
        p = np.nan
        if first["stated"] and joining["stated"]:
            p = float(proportions_ztest([joining["people"], first["people"]], [joining["stated"], first["stated"]])[1])
        shown = [disclose_count(int(x["people"]), Audience.INTERNAL) is not None for x in at]
        row = {"dimension": group["dimension"], "category": group["category"], "census_share": first["census_share"],
               "share_start": first["people_share"] if shown[0] else np.nan,
               "share_registering": joining["people_share"] if shown[2] else np.nan,
               "index_start": first["index"] if shown[0] else np.nan, "index_end": last["index"] if shown[1] else np.nan,
               "index_registering": joining["index"] if shown[2] else np.nan, "p_value": p}
        row["verdict"] = ("no clear change" if not (p < 0.05) else
                          "closing" if joining["people_share"] > first["people_share"] else "widening")
        row["sentence"] = _gap_sentence(row, waves)
        rows.append(row)
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def _gap_sentence(row: dict, waves: list[str]) -> str:
    def share(value: float) -> str:
        return "fewer than 5" if pd.isna(value) else _percent(value)

    verdict = {"closing": "the gap is closing", "widening": "the gap is widening",
               "no clear change": "no clear change in the gap"}[row["verdict"]]
    return (f"{_label(row['category'], row['dimension'])}: {share(row['share_start'])} of members when {waves[0]} "
            f"began and {share(row['share_registering'])} of those registering up to the end of {waves[-1]}, "
            f"against {_percent(row['census_share'])} of residents: {verdict}"
            + ("." if pd.isna(row["p_value"]) else f" (p = {row['p_value']:.2f})."))


def _disclosed_dimension(rows: pd.DataFrame) -> pd.DataFrame:
    """One dimension's rows with its counts disclosed as one table (their total shown), hidden figures hidden."""
    shown = disclose(rows.set_index("category")["people"], Audience.INTERNAL).values
    out = rows.assign(members=rows["category"].map(shown).astype("Int64")).rename(columns={"people_share": "share"})
    return _hide_with_count(out, "members")


def _hide_with_count(table: pd.DataFrame, count: str) -> pd.DataFrame:
    """NaN in the share and index columns of rows whose ``count`` is hidden."""
    hidden = table[count].isna().to_numpy()
    figures = ["share", "index", "index_low", "index_high"]
    table[figures] = table[figures].astype(float).mask(hidden[:, None].repeat(len(figures), axis=1))
    return table


def _diversity_sentence(area: str, members: int | None, table: pd.DataFrame) -> str:
    if members is None:
        return f"Fewer than 5 members of the independent advisory group live in {area}: too few to describe."
    short = table[table["index"] < 1].sort_values("index").groupby("dimension").head(2)
    listed = "; ".join(f"{_label(r.category, r.dimension)} ({_percent(r.share)} against {_percent(r.census_share)} of "
                       f"residents)" for r in short.itertuples())
    return (f"{members} members of the independent advisory group live in {area}."
            + (f" Least represented: {listed}." if listed else " No group shown is below its share of residents."))


def _label(category: str, dimension: str | None = None) -> str:
    if category in AGE_BANDS and dimension in (None, "age_band"):
        return f"Residents aged {category}"
    if category == weighting.NOT_STATED:
        return "Residents who did not say"
    return f"{category} residents" if category != "Other" else "Residents of other ethnic groups"


def _percent(share: float) -> str:
    return "-" if pd.isna(share) else f"{share:.0%}" if share >= 0.01 or share == 0 else "under 1%"


def _audit(engine: Engine, place: _Place, action: str, records: int, what: str) -> None:
    granted = place.granted
    record_access(engine, granted.user.user_id, action, granted.purpose, granted.area, records, "allowed", what)
