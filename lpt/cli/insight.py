"""``lpt refresh`` and ``lpt profile``: the insight tables, and what they say about an area or a group."""

from __future__ import annotations

import argparse
import json

from lpt.cli.common import acting_user, open_engine

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt refresh`` and ``lpt profile LEVEL CODE [filters]``."""
    refresh = commands.add_parser("refresh", help="rebuild the insight tables profiles read (lpt build does it too)")
    refresh.set_defaults(handler=_refresh)
    profile = commands.add_parser("profile", help="what the data says about an area or a group")
    profile.add_argument("level", choices=["force", "district", "ward", "lsoa", "street"])
    profile.add_argument("code", help="GSS code; a street is 'LSOA|street name'")
    profile.add_argument("--start", metavar="YYYY-MM")
    profile.add_argument("--end", metavar="YYYY-MM")
    for name in ("age-band", "sex", "ethnic-group", "group"):
        profile.add_argument(f"--{name}", help=f"only residents with this {name.replace('-', ' ')}")
    profile.add_argument("--imd-decile", type=int, action="append", metavar="N", help="only LSOAs of IMD 2025 decile N")
    profile.add_argument("--purpose", default="area profile")
    profile.add_argument("--json", action="store_true")
    profile.set_defaults(handler=_profile)


def _refresh(args: argparse.Namespace) -> int:
    from lpt.insight.refresh import refresh

    report = refresh(open_engine(args))
    print(", ".join(f"{rows} rows in {table}" for table, rows in report.rows.items()))
    return 0


def _profile(args: argparse.Namespace) -> int:
    from lpt.insight.profile import Filters, area_profile

    engine = open_engine(args)
    filters = Filters(
        age_band=args.age_band, sex=args.sex, ethnic_group=args.ethnic_group, group=args.group,
        imd_deciles=tuple(args.imd_decile) if args.imd_decile else None,
    )
    profile = area_profile(
        engine, acting_user(args, engine), args.level, args.code, start=args.start, end=args.end, filters=filters,
        purpose=args.purpose,
    )
    if args.json:
        print(json.dumps({
            "level": profile.level, "code": profile.code, "name": profile.name, "start": profile.start,
            "end": profile.end, "summary": profile.summary,
            **{part: json.loads(getattr(profile, part).to_json(orient="records")) for part in ("crime", "crime_trend", "priorities", "population")},
        }))
        return 0
    print(f"{profile.name} ({profile.level} {profile.code}), {profile.start} to {profile.end}")
    for key, value in profile.summary.items():
        print(f"  {key.replace('_', ' ')}: {'suppressed' if value is None else value}")
    for title, part in (("Crime and ASB by type", profile.crime), ("Local priorities", profile.priorities)):
        print(f"\n{title}:")
        print(part.to_string(index=False))
    return 0
