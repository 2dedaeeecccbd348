"""``lpt actions`` and ``lpt recommend``: streets to focus on, and a record of what became of the actions."""

from __future__ import annotations

import argparse
import json

from lpt.cli.common import acting_user, iso_date, open_engine, print_frame, print_table

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt actions list|accept|dismiss|done|comment|sign-off`` and ``lpt recommend --ward CODE``."""
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
    done.add_argument("--on", type=iso_date, metavar="YYYY-MM-DD", help="when it was done (default: today)")
    done.set_defaults(handler=_actions_change, verb="done")
    comment = verbs.add_parser("comment", help="add a comment to an action's thread")
    comment.add_argument("id", type=int)
    comment.add_argument("--text", required=True, metavar="TEXT")
    comment.set_defaults(handler=_actions_comment)
    sign_off = verbs.add_parser("sign-off", help="confirm a done action was done well (supervisors; not your own)")
    sign_off.add_argument("id", type=int)
    sign_off.add_argument("--note", metavar="TEXT")
    sign_off.set_defaults(handler=_actions_change, verb="sign-off")

    recommend = commands.add_parser("recommend", help="streets to focus on in a ward, with reasons and actions")
    recommend.add_argument("--ward", required=True, metavar="CODE")
    recommend.add_argument("--top", type=int, default=10)
    recommend.add_argument("--purpose", default="recommendations")
    recommend.add_argument("--record", action="store_true", help="also propose the actions in the action record")
    recommend.add_argument("--json", action="store_true")
    recommend.set_defaults(handler=_recommend)


def _actions_list(args: argparse.Namespace) -> int:
    from lpt.access.guard import MINE, Area
    from lpt.priorities.lifecycle import actions_of

    engine = open_engine(args)
    area = Area("ward", args.ward) if args.ward else MINE
    frame = actions_of(engine, acting_user(args, engine), area=area, status=args.status, purpose="action record")
    if args.json:
        print_frame(frame, True)
    else:
        print_table(frame[["id", "street_name", "ward_code", "who", "status", "signed_off_by", "comments", "action"]], False)
    return 0


def _actions_change(args: argparse.Namespace) -> int:
    from lpt.priorities import lifecycle

    engine = open_engine(args)
    caller, purpose = acting_user(args, engine), "action record"
    if args.verb == "accept":
        action = lifecycle.accept(engine, caller, args.id, purpose=purpose)
    elif args.verb == "dismiss":
        action = lifecycle.dismiss(engine, caller, args.id, reason=args.reason, purpose=purpose)
    elif args.verb == "sign-off":
        action = lifecycle.sign_off(engine, caller, args.id, note=args.note, purpose=purpose)
    else:
        action = lifecycle.complete(engine, caller, args.id, note=args.note, done_on=args.on, purpose=purpose)
    signed = f", signed off by {action['signed_off_by']}" if action["signed_off_by"] else ""
    print(f"Action {action['id']} {action['status']}{signed}: {action['action']}")
    for follow_up in action.get("follow_up_ids", []):
        print(f"Proposed follow-up action {follow_up}")
    return 0


def _actions_comment(args: argparse.Namespace) -> int:
    from lpt.priorities.review import comment

    engine = open_engine(args)
    comment_id = comment(engine, acting_user(args, engine), args.id, args.text, purpose="action record")
    print(f"Comment {comment_id} added to action {args.id}")
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from lpt.priorities.recommend import recommend

    engine = open_engine(args)
    found = recommend(engine, acting_user(args, engine), ward=args.ward, top=args.top, purpose=args.purpose, record=args.record)
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
