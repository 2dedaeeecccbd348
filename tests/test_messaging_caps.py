"""Frequency caps and the serialised transactions that keep them, on SQLite and PostgreSQL.

The concurrency test sends 12 messages to the same 40 members at once, 8 from threads of this
process and 4 from separate processes, and checks afterwards, from the deliveries themselves,
that no member got more than the caps allow in any window.
"""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import insert, select, text

from lpt import settings
from lpt.access.users import get_user
from lpt.errors import LPTError, StoreError
from lpt.messaging.audience import AudienceSpec
from lpt.messaging.caps import COUNTED, Caps, as_utc, reserve, split_by_cap
from lpt.messaging.send import compose, send
from lpt.store import open_store
from lpt.store.locks import require_serialised, serialised
from lpt.store.schema import deliveries, messages
from tests.messaging_files import NORTH, PURPOSE, SOUTH, FakeTransport, populate

T0 = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
THREADS, PROCESSES, MEMBERS = 8, 4, 40


# --- settings ----------------------------------------------------------------------------


BAD_SETTINGS = [
    *(("LPT_MESSAGE_CAPS", value, "each cap is N/D") for value in ["1", "1/0", "0/7", "x/7", "1/7;4/30", "1/7,", "-1/7", "1.5/7", " "]),
    *(("LPT_BOUNCE_LIMIT", value, "a whole number of bounces") for value in ["0", "x", "-1", "2.5"]),
]


@pytest.mark.parametrize(("variable", "value", "message"), BAD_SETTINGS)
def test_bad_settings_name_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    read = settings.message_caps if variable == "LPT_MESSAGE_CAPS" else settings.bounce_limit
    with pytest.raises(LPTError, match=f"{variable}=.*{message}"):
        read()


def test_settings_and_their_defaults(monkeypatch):
    monkeypatch.delenv("LPT_MESSAGE_CAPS", raising=False)
    monkeypatch.delenv("LPT_BOUNCE_LIMIT", raising=False)
    assert (settings.message_caps(), settings.bounce_limit()) == ([(1, 7), (4, 30)], 3)
    assert str(Caps.configured()) == "1 in 7 days, 4 in 30 days"
    monkeypatch.setenv("LPT_MESSAGE_CAPS", " 2/1, 5/30")
    monkeypatch.setenv("LPT_BOUNCE_LIMIT", "5")
    assert (Caps.configured().limits, settings.bounce_limit()) == (((2, 1), (5, 30)), 5)


@pytest.mark.parametrize("limits", [(), ((0, 7),), ((1, 0),)])
def test_caps_must_be_positive(limits):
    with pytest.raises(LPTError, match="frequency caps are"):
        Caps(limits)


def test_times_are_kept_in_utc():
    assert as_utc(datetime(2025, 7, 1, 9)) == T0
    assert as_utc(datetime(2025, 7, 1, 10, tzinfo=UTC).astimezone()) == T0 + timedelta(hours=1)
    assert as_utc(None).tzinfo is UTC


# --- the lock -----------------------------------------------------------------------------


def test_serialised_makes_count_then_insert_atomic_across_threads(store):
    """Each transaction counts the rows and inserts the count: under the lock every count is new."""
    with store.begin() as connection:
        connection.execute(text("CREATE TABLE counted (n INTEGER)"))

    def work() -> None:
        for _ in range(10):
            with serialised(store) as connection:
                n = connection.execute(text("SELECT count(*) FROM counted")).scalar_one()
                connection.execute(text("INSERT INTO counted (n) VALUES (:n)"), {"n": n})

    workers = [threading.Thread(target=work) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with store.connect() as connection:
        numbers = connection.execute(text("SELECT n FROM counted ORDER BY n")).scalars().all()
    assert numbers == list(range(THREADS * 10))


def test_serialised_rolls_back_on_error_and_marks_only_its_own_connection(store):
    with store.begin() as connection:
        connection.execute(text("CREATE TABLE kept (n INTEGER)"))
    with pytest.raises(RuntimeError, match="stop"):
        with serialised(store) as connection:
            connection.execute(text("INSERT INTO kept (n) VALUES (1)"))
            require_serialised(connection, "this")
            raise RuntimeError("stop")
    with store.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM kept")).scalar_one() == 0
        with pytest.raises(LPTError, match="reserving places under the frequency caps must run inside"):
            reserve(connection, ["M01"], T0, Caps(((1, 7),)))


def test_serialised_refuses_other_databases():
    other = SimpleNamespace(dialect=SimpleNamespace(name="mysql"))
    with pytest.raises(StoreError, match="not implemented for mysql"):
        with serialised(other):
            pass


# --- counting -------------------------------------------------------------------------------

#: member -> [(status, days from T0)] and whether 1-in-7 and 4-in-30 leave them at a cap at T0.
HISTORIES = {
    "A": ([("sent", -6.9)], True),
    "B": ([("sent", -7)], False),  # exactly 7 days ago: outside the window
    "C": ([("held", -1), ("bounced", -1), ("failed", -2)], False),  # none of these count
    "D": ([("queued", 6)], True),  # stamped later (out of order): it still counts
    "E": ([("sent", -29), ("sent", -20), ("sent", -12), ("sent", -8)], True),  # 4 in 30 days
    "F": ([("sent", -29), ("sent", -20), ("sent", -12)], False),
    "G": ([], False),
}


def test_split_by_cap_counts_queued_and_sent_within_each_window(store):
    copies = [(member, status, day) for member, (history, _) in HISTORIES.items() for status, day in history]
    with store.begin() as connection:  # one message per copy: a member gets a message once
        for member, status, day in copies:
            message = connection.execute(insert(messages).values(
                kind="feedback", author="pc", audience="{}", level="ward", subject="s", body="b", status="sent", created_at=T0,
            ).returning(messages.c.id)).scalar_one()
            connection.execute(insert(deliveries).values(
                message_id=message, member_id=member, channel="email", status=status, queued_at=T0 + timedelta(days=day)))
    members = list(HISTORIES)
    with store.connect() as connection:
        under, full = split_by_cap(connection, members, T0, Caps(((1, 7), (4, 30))))
    assert full == [m for m, (_, capped) in HISTORIES.items() if capped]
    assert under == [m for m in members if m not in full]
    with serialised(store) as connection:
        assert reserve(connection, members, T0, Caps(((1, 7), (4, 30)))) == (under, full)
        assert reserve(connection, members, T0, Caps(((9, 1),))) == (members, [])


# --- concurrency ----------------------------------------------------------------------------


def _send_in_another_process(url: str, user_id: str, message_id: int, now: datetime, barrier) -> None:
    """A separate process sending one message (spawned: its own interpreter, engine and connections)."""
    engine = open_store(url)
    try:
        caller = get_user(engine, user_id)
        barrier.wait(timeout=300)
        send(engine, caller, message_id, FakeTransport(), now=now, purpose=PURPOSE)
    finally:
        engine.dispose()


def _counted_times(engine) -> pd.DataFrame:
    with engine.connect() as connection:
        rows = connection.execute(
            select(deliveries.c.member_id, deliveries.c.queued_at).where(deliveries.c.status.in_(COUNTED))
        ).all()
    return pd.DataFrame(rows, columns=["member_id", "queued_at"]).assign(queued_at=lambda f: pd.to_datetime(f["queued_at"], utc=True))


def _most_in_a_window(times: pd.Series, days: int) -> int:
    """The most deliveries any half-open window of ``days`` days (t - days, t] holds."""
    ordered = times.sort_values().tolist()
    return max((sum(1 for u in ordered if t - timedelta(days=days) < u <= t) for t in ordered), default=0)


@pytest.mark.parametrize(("spacing", "counted_per_member"), [(0, (1, 1)), (8, (4, 6))], ids=["same-moment", "8-days-apart"])
def test_caps_hold_under_concurrent_sends_from_threads_and_processes(store, tmp_path, spacing, counted_per_member):
    """12 messages to the same 40 members, sent at once from 8 threads and 4 processes.

    same-moment: all at T0, so each member may get exactly one. 8-days-apart: sends stamped at six
    moments 8 days apart (two senders each), so the 1-in-7 cap allows one per moment and the 4-in-30 cap
    binds; depending on the order the sends win the lock, each member gets 4 to 6.
    """
    users = populate(store, tmp_path)
    officer = users["pc-both"]
    audience = AudienceSpec("ward", codes=(NORTH, SOUTH))
    senders = THREADS + PROCESSES
    message_ids = [compose(store, officer, audience, f"Message {k}", "What we did", purpose=PURPOSE) for k in range(senders)]
    moments = [T0 + timedelta(days=spacing * (k % 6)) for k in range(senders)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(senders)
    url = store.url.render_as_string(hide_password=False)
    processes = [
        context.Process(target=_send_in_another_process, args=(url, officer.user_id, message_ids[k], moments[k], barrier))
        for k in range(THREADS, senders)
    ]
    errors: list[BaseException] = []
    transports = [FakeTransport() for _ in range(THREADS)]

    def in_thread(k: int) -> None:
        try:
            barrier.wait(timeout=300)
            send(store, officer, message_ids[k], transports[k], now=moments[k], purpose=PURPOSE)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=in_thread, args=(k,)) for k in range(THREADS)]
    for worker in [*processes, *threads]:
        worker.start()
    for worker in [*threads, *processes]:
        worker.join(timeout=600)
    assert not errors and [p.exitcode for p in processes] == [0] * PROCESSES

    with store.connect() as connection:
        statuses = connection.execute(select(messages.c.status).where(messages.c.id.in_(message_ids))).scalars().all()
        made = connection.execute(select(deliveries.c.status).where(deliveries.c.message_id.in_(message_ids))).scalars().all()
    assert statuses == ["sent"] * senders
    assert len(made) == senders * MEMBERS  # one delivery per message and member: sent or held
    counted = _counted_times(store)
    per_member = counted.groupby("member_id")["queued_at"]
    assert per_member.ngroups == MEMBERS
    assert per_member.apply(lambda t: _most_in_a_window(t, 7)).max() == 1
    assert per_member.apply(lambda t: _most_in_a_window(t, 30)).max() <= 4
    assert per_member.size().between(*counted_per_member).all()
    assert made.count("sent") == len(counted) and made.count("held") == len(made) - len(counted)
    thread_envelopes = sum(len(t.envelopes) for t in transports)
    assert thread_envelopes <= len(counted)  # the threads' transports saw only their own sent copies
    print(f"\n{spacing=}: {THREADS} threads + {PROCESSES} processes, {senders} sends to {MEMBERS} members: "
          f"{len(made)} deliveries, {len(counted)} sent ({per_member.size().min()}-{per_member.size().max()} per member), "
          f"{made.count('held')} held; most per member in 7 days {per_member.apply(lambda t: _most_in_a_window(t, 7)).max()}, "
          f"in 30 days {per_member.apply(lambda t: _most_in_a_window(t, 30)).max()}")


def test_window_check_can_fail():
    """The check the concurrency test relies on does see an overrun."""
    times = pd.Series(pd.to_datetime(["2025-07-01", "2025-07-05", "2025-07-20"], utc=True))
    assert _most_in_a_window(times, 7) == 2 and _most_in_a_window(times, 30) == 3

