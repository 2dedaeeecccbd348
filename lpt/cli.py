"""The ``lpt`` command: a thin layer over the ``lpt`` Python API.

Each command parses its arguments, calls one API function and prints the
result. Expected failures (:class:`~lpt.errors.LPTError`) print one line on
stderr and exit 1; with ``--json`` stdout carries exactly one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

import pandas as pd

from lpt import __version__
from lpt.errors import LPTError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args)
    except LPTError as exc:
        print(f"lpt: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lpt: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lpt", description="Local Priority Targeting workbench."
    )
    parser.add_argument("--version", action="version", version=f"lpt {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="store URL (default: $LPT_DATABASE_URL, else an SQLite file under data/)",
    )
    parser.add_argument("--user", metavar="USER_ID", help="the LPT user to act as (default: $LPT_USER)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="import outside data into the store")
    kinds = ingest.add_subparsers(title="kinds", metavar="KIND")
    crime = kinds.add_parser("crime", help="police.uk street-level CSV files (plain or .gz) or folders")
    crime.add_argument("paths", nargs="+", metavar="PATH")
    crime.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    crime.set_defaults(handler=_ingest_crime)
    reference = kinds.add_parser(
        "reference", help="boundaries, lookups, deprivation, census and postcodes (see data/SOURCES.md)"
    )
    reference.add_argument("folder", nargs="?", metavar="FOLDER", help="raw data folder (default: data/raw)")
    reference.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    reference.set_defaults(handler=_ingest_reference)
    for kind in ("households", "members", "surveys", "visits"):
        community = kinds.add_parser(kind, help=f"community export {kind}.csv files (docs/DATA_SCHEMA.md) or folders")
        community.add_argument("paths", nargs="+", metavar="PATH")
        community.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        community.set_defaults(handler=_ingest_community, kind=kind)

    quality = commands.add_parser(
        "quality", help="rows stored, flagged, unlinked and rejected per source and month, and why"
    )
    quality.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    quality.set_defaults(handler=_quality)

    rejects = commands.add_parser("rejects", help="list rejected rows with file, line, field and reason")
    rejects.add_argument("--all", action="store_true", help="include rejects of replaced months")
    rejects.add_argument("--json", action="store_true", help="print a JSON list on stdout")
    rejects.set_defaults(handler=_rejects)

    backtest = commands.add_parser(
        "backtest", help="score next-month street forecasts against naive methods on police.uk files"
    )
    backtest.add_argument("paths", nargs="+", metavar="PATH", help="street files of one force, consecutive months")
    backtest.add_argument("--out", required=True, metavar="FILE.csv", help="LPT's scores per test month and street")
    backtest.add_argument(
        "--harm",
        metavar="FILE.csv",
        help="harm weights: columns crime_type, weight (default: $LPT_HARM_WEIGHTS, else data/harm_weights.csv)",
    )
    backtest.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    backtest.set_defaults(handler=_backtest)

    synth = commands.add_parser("synth", help="write a synthetic community data export (CSV), seeded")
    synth.add_argument("--seed", type=int, required=True, metavar="N")
    synth.add_argument("--scale", choices=["sample", "force"], default="sample")
    synth.add_argument("--out", required=True, metavar="DIR")
    synth.add_argument(
        "--plant",
        metavar="WARDS:WAVE:SHIFT",
        help="plant a change in confidence, e.g. E05011529,E05011528:2025Q2:-0.8",
    )
    synth.set_defaults(handler=_synth)

    _access_commands(commands)
    _insight_commands(commands)
    _report_commands(commands)
    _actions_commands(commands)
    recommend = commands.add_parser("recommend", help="streets to focus on in a ward, with reasons and actions")
    recommend.add_argument("--ward", required=True, metavar="CODE")
    recommend.add_argument("--top", type=int, default=10)
    recommend.add_argument("--purpose", default="recommendations")
    recommend.add_argument("--record", action="store_true", help="also propose the actions in the action record")
    recommend.add_argument("--json", action="store_true")
    recommend.set_defaults(handler=_recommend)

    build = commands.add_parser("build", help="the main job: import the bundled data and summarise it")
    build.add_argument("--scale", choices=["sample", "force"], default="sample", help="synthetic data scale")
    build.add_argument("--seed", type=int, default=None, metavar="N", help="synthetic data seed")
    build.set_defaults(handler=_build)
    return parser


def _access_commands(commands) -> None:
    """``lpt users ...``, ``lpt audit`` and the data subject rights commands."""
    users = commands.add_parser("users", help="add, change, disable and list users (admin)")
    verbs = users.add_subparsers(title="actions", metavar="ACTION")
    for verb, text in (("add", "add a user"), ("change", "change a user (areas given replace the old ones)")):
        command = verbs.add_parser(verb, help=text)
        command.add_argument("user_id")
        command.add_argument("--name", required=verb == "add")
        command.add_argument("--role", required=verb == "add", choices=["officer", "supervisor", "analyst", "evaluator", "admin"])
        for level in ("ward", "district", "force"):
            command.add_argument(f"--{level}", action="append", metavar="CODE", help=f"a {level} the user covers")
        command.add_argument("--team", metavar="TEAM_ID")
        if verb == "change":
            command.add_argument("--enable", action="store_true", help="enable a disabled user")
        command.set_defaults(handler=_users_add if verb == "add" else _users_change)
    disable = verbs.add_parser("disable", help="disable a user: every request of theirs is refused")
    disable.add_argument("user_id")
    disable.set_defaults(handler=_users_disable)
    listing = verbs.add_parser("list", help="list users and their areas")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_users_list)
    team = verbs.add_parser("add-team", help="add a team")
    team.add_argument("team_id")
    team.add_argument("--name", required=True)
    team.set_defaults(handler=_users_add_team)
    link = verbs.add_parser("link", help="print a signed, expiring app link token for a user")
    link.add_argument("user_id")
    link.add_argument("--app", default="officer")
    link.set_defaults(handler=_users_link)

    audit = commands.add_parser("audit", help="list the audit log of personal data reads (admin)")
    audit.add_argument("--of", metavar="USER_ID", help="only this user's entries")
    audit.add_argument("--action")
    audit.add_argument("--refused", action="store_true", help="only refused attempts")
    audit.add_argument("--since", metavar="YYYY-MM-DD", type=_date)
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(handler=_audit)

    for name, text in (
        ("opt-out", "record a member's opt-out, effective at once"),
        ("erase", "erase a member's personal data (survey answers stay, anonymous)"),
        ("export-subject", "everything held about a member, as JSON (subject access)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("member_id")
        command.add_argument("--purpose", required=True, help="why, e.g. the request's reference")
        if name == "export-subject":
            command.add_argument("--out", metavar="FILE.json", help="write here instead of stdout")
        command.set_defaults(handler=_subject, handler_name=name)
    purge = commands.add_parser("purge", help="erase opted-out members and old visits past the retention period")
    purge.add_argument("--days", type=int, help="retention in days (default: $LPT_RETENTION_DAYS or 730)")
    purge.add_argument("--purpose", default="retention schedule")
    purge.set_defaults(handler=_purge)


def _insight_commands(commands) -> None:
    """``lpt refresh`` and ``lpt profile``."""
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


def _report_commands(commands) -> None:
    """``lpt report ward CODE [--audience] [--end] [--pdf]``, ``lpt report all [--audience] [--end] [--processes]``
    and ``lpt report force [--end] [--pdf]``."""
    report = commands.add_parser("report", help="HTML reports from the report notebooks, written to reports/")
    kinds = report.add_subparsers(title="reports", metavar="REPORT")
    ward = kinds.add_parser("ward", help="one ward's report")
    ward.add_argument("code", metavar="CODE", help="GSS ward code")
    everyone = kinds.add_parser("all", help="every ward's report, in parallel processes")
    for command in (ward, everyone):
        command.add_argument("--audience", choices=["internal", "public"], default="internal",
                             help="public: stricter disclosure control and no street detail")
        command.add_argument("--end", metavar="YYYY-MM", help="end of the twelve-month period (default: latest month)")
    ward.add_argument("--pdf", action="store_true", help="also print the report to PDF (headless Chromium)")
    ward.set_defaults(handler=_report_ward)
    everyone.add_argument("--processes", type=int, metavar="N", help="worker processes (default: one per CPU)")
    everyone.set_defaults(handler=_report_all)
    force = kinds.add_parser("force", help="the force overview")
    force.add_argument("--end", metavar="YYYY-MM", help="end of the twelve-month period (default: latest month)")
    force.add_argument("--pdf", action="store_true", help="also print the report to PDF (headless Chromium)")
    force.set_defaults(handler=_report_force)


def _report_ward(args: argparse.Namespace) -> int:
    from lpt.reports import ward_report

    engine = _open(args)
    caller = _caller(args, engine)
    url = engine.url.render_as_string(hide_password=False)
    _report_written(ward_report(url, caller.user_id, args.code, end=args.end, audience=args.audience), args.pdf)
    return 0


def _report_force(args: argparse.Namespace) -> int:
    from lpt.reports import force_report

    engine = _open(args)
    caller = _caller(args, engine)
    url = engine.url.render_as_string(hide_password=False)
    _report_written(force_report(url, caller.user_id, end=args.end), args.pdf)
    return 0


def _report_written(path, pdf: bool) -> None:
    """Print the report's path, and its PDF's when asked for."""
    print(path)
    if pdf:
        from lpt.reports.pdf import to_pdf

        print(to_pdf(path))


def _report_all(args: argparse.Namespace) -> int:
    from lpt.reports.batch import all_ward_reports

    engine = _open(args)
    caller = _caller(args, engine)
    if args.processes is not None and args.processes < 1:
        raise LPTError("--processes must be at least 1")
    url = engine.url.render_as_string(hide_password=False)
    result = all_ward_reports(url, caller.user_id, end=args.end, audience=args.audience, processes=args.processes)
    print(f"{len(result.written)} ward reports written to {result.folder}")
    for ward, error in result.failed.items():
        print(f"{ward}: {error}", file=sys.stderr)
    if result.failed:
        print(f"{len(result.failed)} of {len(result.written) + len(result.failed)} ward reports failed", file=sys.stderr)
        return 1
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from lpt.priorities.recommend import recommend

    engine = _open(args)
    found = recommend(engine, _caller(args, engine), ward=args.ward, top=args.top, purpose=args.purpose, record=args.record)
    columns = ["rank_in_ward", "street_name", "lsoa21_code", "is_place", "score", "reasons", "actions"]
    if args.json:
        print(json.dumps({
            "ward_code": found.ward_code,
            "streets": json.loads(found.streets[columns].to_json(orient="records")),
            "audit": json.loads(found.audit.to_json(orient="records")),
        }))
        return 0
    for street in found.streets.to_dict("records"):
        place = " (a place, not a street)" if street["is_place"] else ""
        print(f"{street['rank_in_ward']}. {street['street_name']}{place}, {street['lsoa21_code']}: score {street['score']:.2f}")
        for reason in street["reasons"]:
            print(f"   because {reason['text']}")
        for action in street["actions"]:
            print(f"   -> {action['action']} ({action['who']})")
    print("\nWhere recommendations fall across the force (recommended % against all streets %):")
    print(found.audit.to_string(index=False))
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from lpt.insight.refresh import refresh

    report = refresh(_open(args))
    print(", ".join(f"{rows} rows in {table}" for table, rows in report.rows.items()))
    return 0


def _profile(args: argparse.Namespace) -> int:
    from lpt.insight.profile import Filters, area_profile

    engine = _open(args)
    filters = Filters(
        age_band=args.age_band, sex=args.sex, ethnic_group=args.ethnic_group, group=args.group,
        imd_deciles=tuple(args.imd_decile) if args.imd_decile else None,
    )
    profile = area_profile(
        engine, _caller(args, engine), args.level, args.code, start=args.start, end=args.end, filters=filters,
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


def _actions_commands(commands) -> None:
    """``lpt actions list|accept|dismiss|done``: the life of recommended actions."""
    group = commands.add_parser("actions", help="list recommended actions and record what became of them")
    verbs = group.add_subparsers(title="actions", metavar="ACTION")
    listing = verbs.add_parser("list", help="actions in your wards (or one ward), newest first")
    listing.add_argument("--ward", metavar="CODE", help="only this ward")
    listing.add_argument("--status", choices=["proposed", "accepted", "dismissed", "done"])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_actions_list)
    accept = verbs.add_parser("accept", help="accept a proposed action")
    accept.add_argument("id", type=int)
    accept.set_defaults(handler=_actions_change, verb="accept")
    dismiss = verbs.add_parser("dismiss", help="dismiss an action, saying why")
    dismiss.add_argument("id", type=int)
    dismiss.add_argument("--reason", required=True, metavar="TEXT")
    dismiss.set_defaults(handler=_actions_change, verb="dismiss")
    done = verbs.add_parser("done", help="record an accepted action as done, saying what was done")
    done.add_argument("id", type=int)
    done.add_argument("--note", required=True, metavar="TEXT")
    done.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help="when it was done (default: today)")
    done.set_defaults(handler=_actions_change, verb="done")


def _actions_list(args: argparse.Namespace) -> int:
    from lpt.access.guard import MINE, Area
    from lpt.priorities.lifecycle import actions_of

    engine = _open(args)
    area = Area("ward", args.ward) if args.ward else MINE
    frame = actions_of(engine, _caller(args, engine), area=area, status=args.status, purpose="action record")
    if args.json:
        _print_frame(frame, True)
    else:
        _print_frame(frame[["id", "street_name", "ward_code", "who", "status", "action"]], False)
    return 0


def _actions_change(args: argparse.Namespace) -> int:
    from lpt.priorities import lifecycle

    engine = _open(args)
    caller, purpose = _caller(args, engine), "action record"
    if args.verb == "accept":
        action = lifecycle.accept(engine, caller, args.id, purpose=purpose)
    elif args.verb == "dismiss":
        action = lifecycle.dismiss(engine, caller, args.id, reason=args.reason, purpose=purpose)
    else:
        action = lifecycle.complete(engine, caller, args.id, note=args.note, done_on=args.on, purpose=purpose)
    print(f"Action {action['id']} {action['status']}: {action['action']}")
    for follow_up in action.get("follow_up_ids", []):
        print(f"Proposed follow-up action {follow_up}")
    return 0


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _caller(args: argparse.Namespace, engine):
    from lpt import settings
    from lpt.access.users import get_user

    user_id = args.user or settings.current_user()
    if not user_id:
        raise LPTError("say who you are: --user USER_ID (or set LPT_USER)")
    return get_user(engine, user_id)


def _areas(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    given = [(level, code) for level in ("ward", "district", "force") for code in getattr(args, level) or []]
    return given or None


def _users_add(args: argparse.Namespace) -> int:
    from lpt.access.users import add_user

    engine = _open(args)
    actor = _caller(args, engine) if (args.user or _has_users(engine)) else None
    user = add_user(engine, actor, args.user_id, name=args.name, role=args.role, areas=_areas(args) or (), team_id=args.team)
    print(f"Added {user.user_id} ({user.role}): " + "; ".join(f"{lv} {c}" for lv, c in user.areas))
    return 0


def _has_users(engine) -> bool:
    from sqlalchemy import func, select

    from lpt.store.schema import users

    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(users)).scalar_one() > 0


def _users_change(args: argparse.Namespace) -> int:
    from lpt.access.users import change_user

    engine = _open(args)
    user = change_user(
        engine, _caller(args, engine), args.user_id, name=args.name, role=args.role, areas=_areas(args),
        team_id=args.team, active=True if args.enable else None,
    )
    print(f"Changed {user.user_id} ({user.role}, {'active' if user.active else 'disabled'})")
    return 0


def _users_disable(args: argparse.Namespace) -> int:
    from lpt.access.users import disable_user

    engine = _open(args)
    disable_user(engine, _caller(args, engine), args.user_id)
    print(f"Disabled {args.user_id}")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from lpt.access.users import list_users

    engine = _open(args)
    _print_frame(list_users(engine, _caller(args, engine)), args.json)
    return 0


def _users_add_team(args: argparse.Namespace) -> int:
    from lpt.access.users import add_team

    engine = _open(args)
    add_team(engine, _caller(args, engine), args.team_id, args.name)
    print(f"Added team {args.team_id}")
    return 0


def _users_link(args: argparse.Namespace) -> int:
    from lpt import settings
    from lpt.access.guard import FORCE, authorize
    from lpt.access.tokens import issue_app_token
    from lpt.access.users import get_user

    engine = _open(args)
    authorize(engine, _caller(args, engine), "manage_users", purpose="issue an app link", area=FORCE)
    get_user(engine, args.user_id)
    print(issue_app_token(args.user_id, args.app, settings.secret_key()))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from lpt.access.audit import audit_entries

    engine = _open(args)
    entries = audit_entries(
        engine, _caller(args, engine), user_id=args.of, action=args.action,
        outcome="refused" if args.refused else None, since=args.since,
    )
    _print_frame(entries, args.json)
    return 0


def _subject(args: argparse.Namespace) -> int:
    from lpt.access import rights

    engine = _open(args)
    caller = _caller(args, engine)
    command = args.handler_name
    if command == "opt-out":
        rights.opt_out(engine, caller, args.member_id, purpose=args.purpose)
        print(f"{args.member_id} opted out")
    elif command == "erase":
        kept = rights.erase_member(engine, caller, args.member_id, purpose=args.purpose)
        print(f"{args.member_id} erased; {kept} survey answers kept, anonymous")
    else:
        text = json.dumps(rights.export_subject(engine, caller, args.member_id, purpose=args.purpose), indent=2)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                out.write(text + "\n")
            print(f"Written to {args.out}")
        else:
            print(text)
    return 0


def _purge(args: argparse.Namespace) -> int:
    from lpt.access.rights import purge_expired

    engine = _open(args)
    counts = purge_expired(engine, _caller(args, engine), purpose=args.purpose, days=args.days)
    print(", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items()))
    return 0


def _print_frame(frame: pd.DataFrame, as_json: bool) -> None:
    if as_json:
        print(frame.to_json(orient="records", date_format="iso"))
    else:
        print(frame.to_string(index=False) if not frame.empty else "Nothing to show.")


def _open(args: argparse.Namespace):
    from lpt.store import open_store

    return open_store(args.db)


def _ingest_crime(args: argparse.Namespace) -> int:
    from lpt.ingest.crime import import_crime_files

    engine = _open(args)
    return _imported(args, engine, import_crime_files(engine, args.paths), _print_import)


def _imported(
    args: argparse.Namespace, engine, report, show: Callable[[object], None], *, relink: bool = True
) -> int:
    """After an import: recompute the links so they match the store (unless the records
    link through a join, as community records do), then print the report."""
    from lpt.linkage.link import link_all

    link = {"link": link_all(engine).as_dict()} if relink else {}
    if args.json:
        print(json.dumps({**report.as_dict(), **link}))
    else:
        show(report)
    for failed in report.failed:
        print(f"lpt: error: {failed.error}", file=sys.stderr)
    return 1 if report.failed else 0


def _ingest_community(args: argparse.Namespace) -> int:
    from lpt.ingest.community import import_community_files

    engine = _open(args)
    report = import_community_files(engine, args.kind, args.paths)
    return _imported(args, engine, report, _print_import, relink=False)


def _ingest_reference(args: argparse.Namespace) -> int:
    from lpt.ingest.reference import import_reference

    engine = _open(args)
    return _imported(args, engine, import_reference(engine, args.folder), _print_reference)


def _quality(args: argparse.Namespace) -> int:
    from lpt.store.queries import quality_reasons, quality_summary

    engine = _open(args)
    summary, reasons = quality_summary(engine), quality_reasons(engine)
    if args.json:
        print(json.dumps({"summary": summary.to_dict("records"), "reasons": reasons.to_dict("records")}))
    else:
        _print_quality(summary, reasons)
    return 0


def _rejects(args: argparse.Namespace) -> int:
    from lpt.store.queries import rejected_rows

    rows = rejected_rows(_open(args), include_replaced=args.all)
    if args.json:
        print(rows.to_json(orient="records"))
    elif rows.empty:
        print("No rejected rows.")
    else:
        shown = rows[["source", "file", "line", "field", "reason"]]
        print(shown.to_string(index=False, max_colwidth=80))
    return 0


def _backtest(args: argparse.Namespace) -> int:
    from lpt.forecast import records_from_files, run_backtest, street_history
    from lpt.forecast.backtest import summary_table
    from lpt.harm import harm_weights, harm_weights_path

    records, force = records_from_files(args.paths)
    harm = harm_weights(args.harm)
    result = run_backtest(street_history(records), force=force, harm_weights=harm)
    result.scores.to_csv(args.out, index=False)
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        months = result.per_month["month"]
        print(f"{force}: {months.nunique()} test months, {months.min()} to {months.max()} (means)")
        print(summary_table(result).to_string(float_format="{:.3f}".format))
        print(f"Harm weights: {harm_weights_path(args.harm)}")
        print(f"Scores written to {args.out}")
    return 0


def _synth(args: argparse.Namespace) -> int:
    from lpt.synth import generate, write
    from lpt.synth.calibration import load_calibration

    synthetic = generate(load_calibration(_open(args)), seed=args.seed, scale=args.scale, plant=_plant(args.plant))
    for path in write(synthetic, args.out):
        print(path)
    print("Rows: " + ", ".join(f"{n} {name}" for name, n in synthetic.truth["rows"].items()))
    return 0


def _plant(text: str | None):
    from lpt.synth import PlantedChange

    if not text:
        return None
    try:
        wards, wave, shift = text.split(":")
        return PlantedChange(wards=tuple(w.strip() for w in wards.split(",")), wave=wave, shift=float(shift))
    except ValueError:
        raise LPTError(f"--plant wants WARDS:WAVE:SHIFT, e.g. E05011529:2025Q2:-0.8, not {text!r}") from None


def _build(args: argparse.Namespace) -> int:
    from lpt.build import DEFAULT_SEED, build
    from lpt.ingest.report import COUNTS

    result = build(_open(args), scale=args.scale, seed=DEFAULT_SEED if args.seed is None else args.seed)
    _print_reference(result.reference_import)
    print()
    _print_import(result.crime_import)
    print()
    if result.synthetic is not None:
        print(f"Synthetic community data ({result.synthetic}):")
        for kind, report in result.community_import.items():
            print(f"  {kind}: " + ", ".join(f"{report.total(c)} {c}" for c in COUNTS[:4]))
        print()
    print("Stored police.uk records by force and month:")
    print(result.crime_summary.to_string(index=False))
    print()
    print(f"Insight tables refreshed: {result.insight.total:,} rows (lpt profile reads them)")
    print()
    by_source = result.quality.drop(columns="month").groupby("source", sort=False).sum().reset_index()
    print("Linkage quality by source, all months (lpt quality shows each month and why):")
    print(by_source.to_string(index=False) if not by_source.empty else "No records stored.")
    community_failed = [f for report in result.community_import.values() for f in report.failed]
    for failed in [*result.reference_import.failed, *result.crime_import.failed, *community_failed]:
        print(f"lpt: error: {failed.error}", file=sys.stderr)
    return 1 if result.failed else 0


def _print_reference(report) -> None:
    table = pd.DataFrame([{"dataset": d.dataset, "status": d.status, "rows": d.rows} for d in report.datasets])
    print(table.to_string(index=False))


def _print_quality(summary: pd.DataFrame, reasons: pd.DataFrame | None = None) -> None:
    print("Linkage quality by source and month (lpt quality shows why):")
    print(summary.to_string(index=False) if not summary.empty else "No records stored.")
    if reasons is not None and not reasons.empty:
        print()
        print(reasons.to_string(index=False, max_colwidth=90))


def _print_import(report) -> None:
    from lpt.ingest.report import COUNTS

    table = pd.DataFrame([{"file": f.path, **{c: getattr(f, c) for c in COUNTS}} for f in report.files])
    if not table.empty:
        print(table.to_string(index=False))
    print("Total: " + ", ".join(f"{report.total(c)} {c}" for c in COUNTS))
