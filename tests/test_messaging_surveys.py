"""Quarterly survey invitations (send_due) and response rates, on SQLite and PostgreSQL (the store of
tests/test_messaging_audience.py: 40 members joined 2025-01-15, M01-M30 in North, M31-M40 in South;
M01-M33 answered the 2025Q1 survey, M01 also 2025Q2)."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import func, select

from lpt.access import rights
from lpt.access.guard import Area, PermissionDenied
from lpt.access.users import get_user
from lpt.errors import LPTError
from lpt.messaging.audience import AudienceSpec
from lpt.messaging.send import compose, send
from lpt.messaging.surveys import current_wave, response_rates, send_due
from lpt.store import open_store
from lpt.store.schema import deliveries, messages, survey_invitations
from tests.messaging_files import DISTRICT, NORTH, PURPOSE, SOUTH, FakeTransport, address, member

Q3 = datetime(2025, 8, 1, 6, 0, tzinfo=UTC)  # wave 2025Q3


@pytest.mark.parametrize(
    ("moment", "wave"),
    [
        (datetime(2025, 1, 1, tzinfo=UTC), "2025Q1"),
        (datetime(2025, 3, 31, 23, 59, tzinfo=UTC), "2025Q1"),
        (datetime(2025, 4, 1), "2025Q2"),  # naive: UTC
        (datetime(2025, 4, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), "2025Q1"),  # still March in UTC
        (datetime(2025, 12, 31, 12, tzinfo=UTC), "2025Q4"),
    ],
)
def test_current_wave_is_the_calendar_quarter(moment, wave):
    assert current_wave(moment) == wave


def _invitations(engine, wave: str) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(
            select(survey_invitations.c.member_id).where(survey_invitations.c.wave == wave)).scalars())


def test_send_due_invites_each_member_once_per_wave(populated):
    engine, users = populated
    scheduler = users["scheduler"]
    rights.opt_out(engine, users["admin"], "M40", purpose="member asked to leave", on=Q3.date() - timedelta(days=1))
    first, again, later = FakeTransport(), FakeTransport(), FakeTransport()
    report = send_due(engine, scheduler, first, now=Q3)
    assert (report.wave, report.invited, report.delivered.sent) == ("2025Q3", 39, 39)
    assert first.recipients == sorted(address(i) for i in range(1, 40))
    assert {e.subject for e in first.envelopes} == {"Your say on policing where you live: survey 2025Q3"}
    repeat = send_due(engine, scheduler, again, now=Q3)  # the scheduler runs again: nobody twice
    assert (repeat.message_id, repeat.invited, repeat.already_invited, again.envelopes) == (report.message_id, None, 39, [])
    send_due(engine, scheduler, later, now=Q3 + timedelta(days=40))
    assert later.envelopes == [] and _invitations(engine, "2025Q3") == [member(i) for i in range(1, 40)]
    with engine.connect() as connection:
        kinds = connection.execute(select(messages.c.kind, messages.c.wave, messages.c.status)).all()
    assert [tuple(k) for k in kinds] == [("survey_invitation", "2025Q3", "sent")]
    with pytest.raises(LPTError, match="survey invitation: those go out through"):
        send(engine, users["sgt-force"], report.message_id, FakeTransport(), now=Q3, purpose=PURPOSE)


def _due_in_another_process(url: str, user_id: str, now: datetime, barrier) -> None:
    engine = open_store(url)
    try:
        caller = get_user(engine, user_id)
        barrier.wait(timeout=300)
        send_due(engine, caller, FakeTransport(), now=now)
    finally:
        engine.dispose()


def test_concurrent_runs_invite_nobody_twice(populated):
    """4 threads and 2 processes run send_due for the same wave at once (a scheduler on several machines)."""
    engine, users = populated
    runs_in_threads, runs_in_processes = 4, 2
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(runs_in_threads + runs_in_processes)
    url = engine.url.render_as_string(hide_password=False)
    processes = [context.Process(target=_due_in_another_process, args=(url, "scheduler", Q3, barrier)) for _ in range(runs_in_processes)]
    transports = [FakeTransport() for _ in range(runs_in_threads)]
    errors: list[BaseException] = []

    def run(transport: FakeTransport) -> None:
        try:
            barrier.wait(timeout=300)
            send_due(engine, users["scheduler"], transport, now=Q3)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in transports]
    for worker in [*processes, *threads]:
        worker.start()
    for worker in [*threads, *processes]:
        worker.join(timeout=600)
    assert not errors and [p.exitcode for p in processes] == [0] * runs_in_processes
    assert _invitations(engine, "2025Q3") == [member(i) for i in range(1, 41)]
    with engine.connect() as connection:
        copies = connection.execute(select(func.count()).select_from(deliveries)).scalar_one()
        waves = connection.execute(select(func.count()).select_from(messages)).scalar_one()
    assert (copies, waves) == (40, 1)
    thread_recipients = [r for t in transports for r in t.recipients]
    assert len(thread_recipients) == len(set(thread_recipients))  # no address twice among the threads' runs


def test_a_member_at_the_cap_is_invited_by_a_later_run(populated):
    engine, users = populated
    scheduler = users["scheduler"]
    message_id = compose(engine, users["pc-north"], AudienceSpec("ward", codes=(NORTH,)), "News", "What we did", purpose=PURPOSE)
    send(engine, users["pc-north"], message_id, FakeTransport(), now=Q3, purpose=PURPOSE)
    waiting = send_due(engine, scheduler, FakeTransport(), now=Q3 + timedelta(days=1))
    assert (waiting.invited, waiting.waiting) == (10, 30) and _invitations(engine, "2025Q3") == [member(i) for i in range(31, 41)]
    assert send_due(engine, scheduler, FakeTransport(), now=Q3 + timedelta(days=6)).invited is None  # still within 7 days
    allowed = FakeTransport()
    send_due(engine, scheduler, allowed, now=Q3 + timedelta(days=7, hours=1))
    assert allowed.recipients == [address(i) for i in range(1, 31)]
    assert _invitations(engine, "2025Q3") == [member(i) for i in range(1, 41)]
    next_wave = FakeTransport()
    report = send_due(engine, scheduler, next_wave, now=datetime(2025, 10, 2, tzinfo=UTC))  # a new wave: everyone again
    assert report.wave == "2025Q4" and len(next_wave.envelopes) == 40


def test_only_the_scheduler_sends_invitations(populated):
    engine, users = populated
    for user in ("pc-north", "sgt-force", "an1"):
        with pytest.raises(PermissionDenied):
            send_due(engine, users[user], FakeTransport(), now=Q3)
    assert _invitations(engine, "2025Q3") == []


def test_erasure_removes_invitations_and_subject_access_lists_them(populated):
    engine, users = populated
    send_due(engine, users["scheduler"], FakeTransport(), now=Q3)
    export = rights.export_subject(engine, users["admin"], "M05", purpose="subject access request")
    assert [i["wave"] for i in export["survey_invitations"]] == ["2025Q3"]
    assert [m["subject"] for m in export["messages"]] == ["Your say on policing where you live: survey 2025Q3"]
    rights.erase_member(engine, users["admin"], "M05", purpose="erasure request")
    assert "M05" not in _invitations(engine, "2025Q3") and len(_invitations(engine, "2025Q3")) == 39
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(deliveries).where(deliveries.c.member_id.is_(None))).scalar_one() == 1


# --- response rates ------------------------------------------------------------------------


def _rates(engine, user, **kwargs) -> list[tuple]:
    table = response_rates(engine, user, purpose=PURPOSE, **kwargs)
    return [tuple(None if pd.isna(v) else v for v in row) for row in table.itertuples(index=False)]


def test_response_rates_counted_by_hand(populated):
    engine, users = populated
    send_due(engine, users["scheduler"], FakeTransport(), now=datetime(2025, 2, 1, tzinfo=UTC))  # 40 invited to 2025Q1
    analyst, officer = users["an1"], users["pc-north"]
    # Answers: North 30 of 30, South 3 of 10 (hidden, and North with it, or South = 33 - 30).
    assert _rates(engine, analyst) == [
        ("2025Q1", NORTH, 30, None, None), ("2025Q1", SOUTH, 10, None, None), ("2025Q1", "Total", 40, 33, 82.5),
    ]
    assert _rates(engine, analyst, by="district") == [("2025Q1", DISTRICT, 40, 33, 82.5), ("2025Q1", "Total", 40, 33, 82.5)]
    assert _rates(engine, users["ev1"], by="group") == [  # M01-M10 neighbourhood watch, M11-M15 faith group: all answered
        ("2025Q1", "faith_group", 5, 5, 100.0), ("2025Q1", "neighbourhood_watch", 10, 10, 100.0),
    ]
    assert _rates(engine, officer) == [("2025Q1", NORTH, 30, 30, 100.0), ("2025Q1", "Total", 30, 30, 100.0)]  # own ward only
    send_due(engine, users["scheduler"], FakeTransport(), now=datetime(2025, 4, 2, tzinfo=UTC))  # 2025Q2: only M01 answered
    assert _rates(engine, analyst, by="district", wave="2025Q2") == [("2025Q2", DISTRICT, 40, None, None), ("2025Q2", "Total", 40, None, None)]
    assert [row[0] for row in _rates(engine, analyst, by="district")] == ["2025Q1", "2025Q1", "2025Q2", "2025Q2"]
    assert _rates(engine, analyst, wave="2024Q4") == []
    with pytest.raises(LPTError, match="response rates are by ward, district, group"):
        response_rates(engine, analyst, by="street", purpose=PURPOSE)
    with pytest.raises(PermissionDenied):
        response_rates(engine, users["scheduler"], purpose=PURPOSE)


def test_response_rates_of_registered_members_and_of_one_area(populated):
    """Waves without invitations (an imported history): everyone registered on the wave's first day was asked.
    All 40 joined on 2025-01-15, so 2025Q1 asked nobody; of 2025Q2's 40, M01 (North) answered."""
    engine, users = populated
    analyst = users["an1"]
    assert _rates(engine, analyst, by="district", base="registered") == [
        ("2025Q2", DISTRICT, 40, None, None), ("2025Q2", "Total", 40, None, None)]
    assert _rates(engine, analyst, base="registered", area=Area("ward", NORTH)) == [
        ("2025Q2", NORTH, 30, None, None), ("2025Q2", "Total", 30, None, None)]
    send_due(engine, users["scheduler"], FakeTransport(), now=datetime(2025, 2, 1, tzinfo=UTC))
    assert _rates(engine, analyst, area=Area("ward", SOUTH)) == [
        ("2025Q1", SOUTH, 10, None, None), ("2025Q1", "Total", 10, None, None)]  # 3 of 10 answered: hidden
    with pytest.raises(LPTError, match="count members invited or registered"):
        response_rates(engine, analyst, base="asked", purpose=PURPOSE)
    with pytest.raises(PermissionDenied):
        response_rates(engine, users["pc-north"], area=Area("ward", SOUTH), purpose=PURPOSE)
