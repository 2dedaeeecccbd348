"""``lpt messages ...`` and ``lpt surveys ...``: feedback to residents and the quarterly survey invitations."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from lpt.cli.common import acting_user, open_engine, print_frame, read_text, street_keys

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt messages compose|preview|approve|reject|send|list|deliver-queued`` and ``lpt surveys send-due|rates``."""
    messages = commands.add_parser("messages", help="feedback messages to residents: compose, approve, send, list")
    verbs = messages.add_subparsers(title="actions", metavar="ACTION")

    compose = verbs.add_parser("compose", help="store a message for an audience and show its preview")
    where = compose.add_mutually_exclusive_group(required=True)
    where.add_argument("--force", action="store_true", help="every member of the force (needs approval)")
    where.add_argument("--district", action="append", metavar="CODE", help="a district (needs approval)")
    where.add_argument("--ward", action="append", metavar="CODE", help="a ward")
    where.add_argument("--street", action="append", metavar="LSOA|NAME", help="a street: LSOA 2021 code|street name")
    where.add_argument("--area", metavar="FILE", help="a drawn area: a file holding a WKT polygon (lon/lat)")
    compose.add_argument("--group", help="only members of this group (e.g. faith_group)")
    compose.add_argument("--age-band", action="append", default=[], help="only these age bands")
    compose.add_argument("--sex", action="append", default=[], help="only these sexes")
    compose.add_argument("--ethnic-group", action="append", default=[], help="only these ethnic groups")
    compose.add_argument("--topic", help="only members whose latest survey names this priority topic")
    compose.add_argument("--subject", required=True)
    text = compose.add_mutually_exclusive_group(required=True)
    text.add_argument("--body", help="the text ({placeholders} of figures allowed: see the error for the list)")
    text.add_argument("--body-file", metavar="FILE", help="the text, from a file")
    compose.add_argument("--purpose", default="feedback to residents")
    compose.set_defaults(handler=_compose)

    for verb, text_ in (("preview", "audience size after opt-outs and caps, and the text"),
                        ("approve", "approve a force- or district-wide message (a supervisor, not its author)"),
                        ("reject", "reject a message awaiting approval, with a reason"),
                        ("send", "send an approved message (transport: LPT_MAIL_TRANSPORT)")):
        command = verbs.add_parser(verb, help=text_)
        command.add_argument("message_id", type=int)
        if verb == "approve":
            command.add_argument("--note")
        if verb == "reject":
            command.add_argument("--reason", required=True)
        command.add_argument("--purpose", default=f"message {verb}")
        command.add_argument("--json", action="store_true")
        command.set_defaults(handler=_ACTIONS[verb])

    listing = verbs.add_parser("list", help="messages in your areas with their delivery counts")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)
    resume = verbs.add_parser("deliver-queued", help="deliver copies left queued by an interrupted send (admin)")
    resume.set_defaults(handler=_deliver_queued)

    surveys = commands.add_parser("surveys", help="quarterly survey invitations and response rates")
    survey_verbs = surveys.add_subparsers(title="actions", metavar="ACTION")
    due = survey_verbs.add_parser("send-due", help="invite every member not yet invited this wave (for a scheduler)")
    due.add_argument("--json", action="store_true")
    due.set_defaults(handler=_send_due)
    rates = survey_verbs.add_parser("rates", help="response rates per wave and ward, district or group")
    rates.add_argument("--by", choices=["ward", "district", "group"], default="ward")
    rates.add_argument("--wave", metavar="YYYYQn")
    rates.add_argument("--json", action="store_true")
    rates.set_defaults(handler=_rates)


def _compose(args: argparse.Namespace) -> int:
    from lpt.messaging.send import compose

    engine = open_engine(args)
    caller = acting_user(args, engine)
    body = read_text(args.body_file, "message file") if args.body_file else args.body
    message_id = compose(engine, caller, _spec(args), args.subject, body, purpose=args.purpose)
    print(f"Message {message_id} composed.")
    args.message_id, args.json = message_id, False
    return _preview(args, engine, caller)


def _spec(args: argparse.Namespace):
    from lpt.messaging.audience import AudienceSpec

    filters = {"group": args.group, "age_bands": tuple(args.age_band), "sexes": tuple(args.sex),
               "ethnic_groups": tuple(args.ethnic_group), "topic": args.topic}
    if args.force:
        return AudienceSpec("force", **filters)
    if args.district or args.ward:
        return AudienceSpec("district" if args.district else "ward", codes=tuple(args.district or args.ward), **filters)
    if args.street:
        return AudienceSpec("streets", streets=street_keys(args.street), **filters)
    return AudienceSpec("area", polygon=read_text(args.area, "area file").strip(), **filters)


def _preview(args: argparse.Namespace, engine=None, caller=None) -> int:
    from lpt.messaging.send import preview

    engine = engine or open_engine(args)
    caller = caller or acting_user(args, engine)
    shown = preview(engine, caller, args.message_id)
    if args.json:
        print(json.dumps(asdict(shown)))
        return 0
    counts = {k: v for k, v in asdict(shown).items() if k not in ("text", "needs_approval", "status")}
    print(f"Status: {shown.status}" + (" (a supervisor must approve it)" if shown.status == "awaiting_approval" else ""))
    print("Audience: " + ", ".join(f"{k.replace('_', ' ')} {'fewer than 5' if v is None else v}" for k, v in counts.items()))
    print("---\n" + shown.text)
    return 0


def _approve(args: argparse.Namespace) -> int:
    from lpt.messaging.send import approve

    engine = open_engine(args)
    approve(engine, acting_user(args, engine), args.message_id, purpose=args.purpose, note=args.note)
    print(f"Message {args.message_id} approved: it may now be sent.")
    return 0


def _reject(args: argparse.Namespace) -> int:
    from lpt.messaging.send import reject

    engine = open_engine(args)
    reject(engine, acting_user(args, engine), args.message_id, reason=args.reason, purpose=args.purpose)
    print(f"Message {args.message_id} rejected.")
    return 0


def _send(args: argparse.Namespace) -> int:
    from lpt.messaging.send import send
    from lpt.messaging.transport import transport_from_settings

    engine = open_engine(args)
    report = send(engine, acting_user(args, engine), args.message_id, transport_from_settings(), purpose=args.purpose)
    _print_report(asdict(report), args.json)
    return 0


def _list(args: argparse.Namespace) -> int:
    from lpt.messaging.send import messages_of

    engine = open_engine(args)
    print_frame(messages_of(engine, acting_user(args, engine), purpose="list messages"), args.json)
    return 0


def _deliver_queued(args: argparse.Namespace) -> int:
    from lpt.messaging.send import deliver_queued
    from lpt.messaging.transport import transport_from_settings

    engine = open_engine(args)
    done = deliver_queued(engine, acting_user(args, engine), transport_from_settings(), purpose="resume deliveries")
    _print_report(asdict(done), False)
    return 0


def _send_due(args: argparse.Namespace) -> int:
    from lpt.messaging.surveys import send_due
    from lpt.messaging.transport import transport_from_settings

    engine = open_engine(args)
    _print_report(asdict(send_due(engine, acting_user(args, engine), transport_from_settings())), args.json)
    return 0


def _rates(args: argparse.Namespace) -> int:
    from lpt.messaging.surveys import response_rates

    engine = open_engine(args)
    table = response_rates(engine, acting_user(args, engine), by=args.by, wave=args.wave, purpose="response rates")
    print_frame(table, args.json)
    return 0


def _print_report(report: dict, as_json: bool) -> None:
    """A send's counts (None: fewer than 5, hidden by disclosure control) as text or one JSON object."""
    if as_json:
        print(json.dumps(report, default=str))
        return
    for key, value in report.items():
        if isinstance(value, dict):
            _print_report(value, False)
        else:
            print(f"{key.replace('_', ' ')}: {'fewer than 5' if value is None else value}")


_ACTIONS = {"preview": _preview, "approve": _approve, "reject": _reject, "send": _send}
