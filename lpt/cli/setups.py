"""``lpt setups ...``: door-knocking setups (lpt.setups) from a terminal: create or preview one, list,
archive, print a shift's walk list, follow progress and the force-wide every-door campaign."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from lpt.cli.common import HIDDEN_NOTE, acting_user, iso_date, open_engine, print_table, read_text, records, street_keys
from lpt.errors import LPTError

__all__ = ["add_parser"]

#: Options describing a setup, which ``--spec FILE`` gives instead (their ``dest``).
_SPEC_OPTIONS = ("ward", "street", "area", "starts", "ends", "revisit", "team", "answer", "group", "age_band", "sex",
                 "ethnic_group", "imd_decile", "census_group", "census_min_pct", "recommended_top")
_ANSWER = re.compile(r"\s*(\w+)\s*<=\s*(\d+)\s*")
#: Columns of progress tables that disclosure control may hide.
_COUNTED = ("targeted", "visited", "spoken_to", "registered", "survey_responses", "visits")
_LIST_COLUMNS = ["setup_id", "name", "kind", "team_id", "status", "starts_on", "ends_on", "revisit", "description"]
_WALK_COLUMNS = ["walk_order", "street", "house_number", "house_name", "postcode"]
_AT_HELP = ("the moment the list is for, ISO date and time (e.g. 2025-06-02T17:30); without a time zone it is "
            "Europe/London time, the clock of the 18:00 'not in' rule (default: now)")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt setups create|list|archive|walk-list|progress|every-door``."""
    setups = commands.add_parser("setups", help="door-knocking setups: create, list, archive, walk lists, progress")
    verbs = setups.add_subparsers(title="actions", metavar="ACTION")

    create = _verb(verbs, "create", "create a door-knocking setup (--dry-run: only preview it)", _create,
                   "door-knocking setup")
    _setup_options(create)
    create.add_argument("--dry-run", action="store_true", help="show the households per ward; store nothing")

    listing = _verb(verbs, "list", "setups touching your areas, newest first", _list, "list setups")
    listing.add_argument("--all", action="store_true", help="archived setups too")
    archive = _verb(verbs, "archive", "archive a setup: off every list, no more visits; nothing deleted; its final "
                    "report written", _archive, "archive setup", as_json=False)
    archive.add_argument("setup_id", type=int)
    archive.add_argument("--no-report", action="store_true", help="do not write the final setup report (lpt report setup ID)")

    walk = _verb(verbs, "walk-list", "a setup's doors in walking order, on screen or as a printable file", _walk_list,
                 "walk list", as_json=False)
    walk.add_argument("setup_id", type=int)
    walk.add_argument("--at", type=_moment, metavar="ISO_DATETIME", help=_AT_HELP)
    walk.add_argument("--out", type=_walk_file, metavar="FILE.html|FILE.pdf", help="write the printable list here")

    progress = _verb(verbs, "progress", "a setup's progress per ward, officer, street, group and week, against the plan",
                     _progress, "setup progress")
    progress.add_argument("setup_id", type=int)

    every = _verb(verbs, "every-door", "the force-wide every-door campaign (started by an admin) per ward", _every_door,
                  "every door campaign")
    every.add_argument("--starts", type=iso_date, metavar="YYYY-MM-DD",
                       help="the campaign's first day, when this starts it (default: today)")


def _verb(verbs: argparse._SubParsersAction, name: str, text: str, handler: Callable[[argparse.Namespace], int],
          purpose: str, *, as_json: bool = True) -> argparse.ArgumentParser:
    """A subcommand with ``--purpose`` (every read and change is audited with one) and, if asked, ``--json``."""
    command = verbs.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
    command.add_argument("--purpose", default=purpose, help=f"why, for the audit log (default: {purpose!r})")
    if as_json:
        command.add_argument("--json", action="store_true", help="print JSON")
    command.set_defaults(handler=handler)
    return command


def _setup_options(create: argparse.ArgumentParser) -> None:
    """What a setup is: name, area, days, team and criteria (lpt.setups.model), or all of it from a JSON file."""
    what = create.add_mutually_exclusive_group(required=True)
    what.add_argument("--name", help="the setup's name")
    what.add_argument("--spec", metavar="FILE.json", help="the whole setup as JSON (SetupSpec), instead of the options")
    where = create.add_argument_group("area (none given: every household of the force, for admins)")
    area = where.add_mutually_exclusive_group()
    area.add_argument("--ward", action="append", metavar="CODE", help="a ward (repeatable)")
    area.add_argument("--street", action="append", metavar="'LSOA|STREET NAME'", help="a street (repeatable)")
    area.add_argument("--area", metavar="WKT_FILE", help="a drawn area: a file holding a WKT polygon (lon/lat)")
    when = create.add_argument_group("days and team")
    when.add_argument("--starts", type=iso_date, metavar="YYYY-MM-DD", help="the first day of visits (needed with --name)")
    when.add_argument("--ends", type=iso_date, metavar="YYYY-MM-DD", help="the last day (default: until archived)")
    when.add_argument("--revisit", action="store_true", help="keep registered and declined households on the list")
    when.add_argument("--team", metavar="TEAM_ID", help="the owner team (default: yours)")
    which = create.add_argument_group("criteria (all given must hold; those on members need --revisit)")
    which.add_argument("--answer", type=_answer, metavar="QUESTION<=N",
                       help="a member's latest survey answer is at most N, e.g. confidence<=2")
    which.add_argument("--group", metavar="G", help="a member belongs to this group")
    which.add_argument("--age-band", action="append", metavar="A", help="a member is in one of these age bands")
    which.add_argument("--sex", action="append", metavar="S", help="a member is of one of these sexes")
    which.add_argument("--ethnic-group", action="append", metavar="E", help="a member is of one of these ethnic groups")
    which.add_argument("--imd-decile", action="append", type=int, metavar="N", help="the LSOA's IMD 2025 decile (1 most deprived)")
    which.add_argument("--census-group", metavar="G", help="with --census-min-pct: the LSOA's census ethnic mix")
    which.add_argument("--census-min-pct", type=float, metavar="P", help="at least P%% of the LSOA's residents are of --census-group")
    which.add_argument("--recommended-top", type=int, metavar="N", help="the street is among its ward's top N recommended")


def _create(args: argparse.Namespace) -> int:
    from lpt.setups.model import create_setup
    from lpt.setups.preview import preview_setup

    engine = open_engine(args)
    caller = acting_user(args, engine)
    spec = _spec(args)
    setup_id = None if args.dry_run else create_setup(engine, caller, spec, purpose=args.purpose)
    preview = preview_setup(engine, caller, spec, purpose=args.purpose)
    if args.json:
        print(json.dumps({"setup_id": setup_id, "dry_run": args.dry_run, "description": spec.describe(),
                          "households": preview.total, "by_ward": records(preview.by_ward)}, default=str))
        return 0
    if args.dry_run:
        print(f"Dry run, nothing stored: {spec.describe()}")
        print_table(preview.by_ward, False, ["households"])  # its last row is the total
    else:
        print(f"Setup {setup_id} created: {spec.describe()}")
        print(f"Households on the list: {HIDDEN_NOTE if preview.total is None else preview.total}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from lpt.setups.model import setups_of

    engine = open_engine(args)
    found = setups_of(engine, acting_user(args, engine), include_archived=args.all, purpose=args.purpose)
    print_table(found[_LIST_COLUMNS], args.json)
    return 0


def _archive(args: argparse.Namespace) -> int:
    """Archive, then write the setup's final report (the store layer renders nothing: papermill stays here)."""
    from lpt.reports import setup_report
    from lpt.setups.model import archive_setup

    engine = open_engine(args)
    caller = acting_user(args, engine)
    archive_setup(engine, caller, args.setup_id, purpose=args.purpose)
    print(f"Setup {args.setup_id} archived: it has left every list and takes no more visits.")
    if args.no_report:
        return 0
    try:
        path = setup_report(engine.url.render_as_string(hide_password=False), caller.user_id, args.setup_id)
    except LPTError as exc:
        raise LPTError(f"the final report was not written ({exc}); write it with "
                       f"'lpt --user USER report setup {args.setup_id}' as a user who may read its progress") from None
    print(f"Final report: {path}")
    return 0


def _walk_list(args: argparse.Namespace) -> int:
    from lpt.setups.model import load_setup
    from lpt.setups.selection import priority_addresses
    from lpt.setups.walklist import REMINDER, walk_list, walk_list_html

    engine = open_engine(args)
    doors = priority_addresses(engine, acting_user(args, engine), args.setup_id, on=args.at, purpose=args.purpose)
    walk = walk_list(doors)
    if args.out is None:
        print(REMINDER)
        print_table(walk[_WALK_COLUMNS], False)
        return 0
    _write_walk_list(args.out, walk_list_html(load_setup(engine, args.setup_id).spec.name, walk))
    print(f"Walk list of {len(walk)} doors written to {args.out}")
    return 0


def _progress(args: argparse.Namespace) -> int:
    from lpt.setups.progress import progress

    engine = open_engine(args)
    shown = progress(engine, acting_user(args, engine), args.setup_id, purpose=args.purpose)
    tables = {"by_ward": shown.by_ward, "by_officer": shown.by_officer, "by_street": shown.by_street,
              "by_group": shown.by_group, "over_time": shown.over_time}
    if args.json:
        print(json.dumps({"setup_id": args.setup_id, "plan": asdict(shown.plan),
                          **{k: records(t) for k, t in tables.items()}}, default=str))
        return 0
    print(shown.plan.sentence)
    for key, table in tables.items():
        title = "by week (running totals)" if key == "over_time" else key.replace("_", " ")
        print(f"\nProgress of setup {args.setup_id} {title}:")
        print_table(table, False, [c for c in table.columns if c in _COUNTED])
    return 0


def _every_door(args: argparse.Namespace) -> int:
    from lpt.access.guard import PermissionDenied
    from lpt.setups.progress import visited_share_by_ward

    engine = open_engine(args)
    caller = acting_user(args, engine)
    setup, started = _every_door_setup(engine, caller, args)
    try:
        table = visited_share_by_ward(engine, caller, purpose=args.purpose)
    except PermissionDenied as refused:  # an admin starts the campaign but sees no counts: starting it was the job
        if not started:
            raise
        table, note = None, f"Households visited per ward are not shown to you: {refused}"
    if args.json:
        print(json.dumps({"setup_id": setup.setup_id, "started": started, "starts_on": setup.spec.starts_on,
                          "by_ward": None if table is None else records(table)}, default=str))
        return 0
    print(f"Every-door setup {setup.setup_id} " + ("started" if started else "runs") + f" from {setup.spec.starts_on}.")
    if table is None:
        print(note)
    else:
        print_table(table, False, ["visited"])
    return 0


def _every_door_setup(engine, caller, args: argparse.Namespace):
    """The every-door setup and whether this call started it (only an admin may: anyone else is told it has
    not been started, rather than refused starting it). Reading it needs no permission (setups hold no
    personal data); the counts check their reader."""
    from lpt.access.guard import PermissionDenied
    from lpt.setups.model import every_door_id, every_door_setup, load_setup

    setup_id = every_door_id(engine)
    if setup_id is not None:
        return load_setup(engine, setup_id), False
    try:
        setup_id = every_door_setup(engine, caller, purpose=args.purpose, starts_on=args.starts)
    except PermissionDenied:
        raise LPTError("there is no every-door setup yet: an admin starts it with 'lpt --user ADMIN setups every-door'") from None
    return load_setup(engine, setup_id), True


# --- parsing ------------------------------------------------------------------


def _spec(args: argparse.Namespace):
    """The :class:`~lpt.setups.model.SetupSpec` of the options or of ``--spec FILE``."""
    from lpt.setups.model import Criteria, SetupArea, SetupSpec

    if args.spec:
        return _spec_file(args)
    if args.starts is None:
        raise LPTError("a setup needs the first day of its visits: --starts YYYY-MM-DD")
    polygon = read_text(args.area, "area file").strip() if args.area else None
    area = SetupArea(wards=args.ward, streets=street_keys(args.street or ()), polygon=polygon)
    question, at_most = args.answer or (None, None)
    criteria = Criteria(
        answer_question=question, answer_at_most=at_most, group=args.group, age_bands=args.age_band,
        sexes=args.sex, ethnic_groups=args.ethnic_group, imd_deciles=args.imd_decile, census_group=args.census_group,
        census_min_pct=args.census_min_pct, recommended_top=args.recommended_top,
    )
    return SetupSpec(args.name, area, args.starts, args.ends, criteria, args.revisit, args.team)


def _spec_file(args: argparse.Namespace):
    """The setup of ``--spec FILE`` (no other option may describe it); errors name the file."""
    from lpt.setups.model import SetupSpec

    given = [f"--{dest.replace('_', '-')}" for dest in _SPEC_OPTIONS if getattr(args, dest) not in (None, False)]
    if given:
        raise LPTError(f"--spec {args.spec} gives the whole setup: leave out {', '.join(given)}")
    text = read_text(args.spec, "setup file")
    try:
        return SetupSpec.from_json(text)
    except LPTError as exc:
        raise LPTError(f"{args.spec}: {exc}") from None


def _answer(text: str) -> tuple[str, int]:
    """``type=`` of ``--answer``: QUESTION<=N (the question is checked with the rest of the criteria)."""
    found = _ANSWER.fullmatch(text)
    if found is None:
        raise argparse.ArgumentTypeError(f"not QUESTION<=N (e.g. confidence<=2): {text!r}")
    return found[1], int(found[2])


def _moment(text: str) -> datetime:
    """``type=`` of ``--at``: an ISO date and time; without a time zone, Europe/London's."""
    from lpt.setups.model import LONDON

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date and time like 2025-06-02T17:30: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LONDON)


def _walk_file(text: str) -> Path:
    """``type=`` of ``--out``: a file ending .html or .pdf."""
    if Path(text).suffix.lower() not in (".html", ".pdf"):
        raise argparse.ArgumentTypeError(f"a walk list is written as .html or .pdf: {text!r}")
    return Path(text)


def _write_walk_list(path: Path, html: str) -> None:
    """Write the printable walk list as HTML or, for a .pdf path, print it to PDF (headless Chromium)."""
    from lpt.setups.walklist import walk_list_pdf

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".pdf":
            walk_list_pdf(html, path)
        else:
            path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise LPTError(f"cannot write {path}: {exc.strerror or exc}") from None
