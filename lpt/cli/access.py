"""``lpt users``, ``lpt audit`` and the data subject rights commands: who may see what, and proof of it."""

from __future__ import annotations

import argparse
import json

from lpt.cli.common import acting_user, iso_date, open_engine, print_frame

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt users ...``, ``lpt audit``, ``lpt opt-out|erase|export-subject`` and ``lpt purge``."""
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
    link = verbs.add_parser("link", help="print a user's personal, signed and expiring link to an app (lpt serve)")
    link.add_argument("user_id")
    link.add_argument("--app", default="officer", help="the app (default: officer)")
    link.set_defaults(handler=_users_link)

    audit = commands.add_parser("audit", help="list the audit log of personal data reads (admin)")
    audit.add_argument("--of", metavar="USER_ID", help="only this user's entries")
    audit.add_argument("--action")
    audit.add_argument("--refused", action="store_true", help="only refused attempts")
    audit.add_argument("--since", metavar="YYYY-MM-DD", type=iso_date)
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


def _areas(args: argparse.Namespace) -> list[tuple[str, str]] | None:
    given = [(level, code) for level in ("ward", "district", "force") for code in getattr(args, level) or []]
    return given or None


def _users_add(args: argparse.Namespace) -> int:
    from lpt.access.users import add_user

    engine = open_engine(args)
    actor = acting_user(args, engine) if (args.user or _has_users(engine)) else None
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

    engine = open_engine(args)
    user = change_user(
        engine, acting_user(args, engine), args.user_id, name=args.name, role=args.role, areas=_areas(args),
        team_id=args.team, active=True if args.enable else None,
    )
    print(f"Changed {user.user_id} ({user.role}, {'active' if user.active else 'disabled'})")
    return 0


def _users_disable(args: argparse.Namespace) -> int:
    from lpt.access.users import disable_user

    engine = open_engine(args)
    disable_user(engine, acting_user(args, engine), args.user_id)
    print(f"Disabled {args.user_id}")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from lpt.access.users import list_users

    engine = open_engine(args)
    print_frame(list_users(engine, acting_user(args, engine)), args.json)
    return 0


def _users_add_team(args: argparse.Namespace) -> int:
    from lpt.access.users import add_team

    engine = open_engine(args)
    add_team(engine, acting_user(args, engine), args.team_id, args.name)
    print(f"Added team {args.team_id}")
    return 0


def _users_link(args: argparse.Namespace) -> int:
    from lpt.access.guard import FORCE, authorize
    from lpt.access.users import get_user
    from lpt.apps.session import app_link

    engine = open_engine(args)
    authorize(engine, acting_user(args, engine), "manage_users", purpose="issue an app link", area=FORCE)
    get_user(engine, args.user_id)
    print(app_link(args.user_id, args.app))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from lpt.access.audit import audit_entries

    engine = open_engine(args)
    entries = audit_entries(
        engine, acting_user(args, engine), user_id=args.of, action=args.action,
        outcome="refused" if args.refused else None, since=args.since,
    )
    print_frame(entries, args.json)
    return 0


def _subject(args: argparse.Namespace) -> int:
    from lpt.access import rights

    engine = open_engine(args)
    caller = acting_user(args, engine)
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

    engine = open_engine(args)
    counts = purge_expired(engine, acting_user(args, engine), purpose=args.purpose, days=args.days)
    print(", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items()))
    return 0
