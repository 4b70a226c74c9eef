"""The mood record through the real Bolt app as Slack drives it (signed HTTP), on both databases.

What is counted (filters, dedupe, opt-outs, tracking switched off), and what the database
holds after a run (a scan for every text and user id sent; that run also asks ``mood 7d`` and
``mood 90d`` to see the counts). What the ``/sentiment mood``
listener answers (small days hidden, ``mood off|on``, membership checks, usage errors) is in
tests/bot/listeners/test_mood.py, which shares the helpers here.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.console import slack_requests as payloads
from bot.mood import store
from bot.mood.workspace import Workspace
from tests.helpers.mood_rows import all_rows, assert_no_small_group_at_rest
from tests.helpers.slack_app import served_app

TEAM = Workspace("T0000FAKE")
GENERAL = "C0000GEN"
USERS = ["UALICE001", "UBOB00002", "UCAROL003", "UDAVE0004"]
POSITIVE = "the release was great and the team loved it"
NEGATIVE = "the build is broken and the docs are awful"


def message(text: str, user: str, channel: str = GENERAL, **extra) -> dict:
    return payloads.message_event(text, user=user, channel=channel, **extra)


def counted(served, channel: str = GENERAL) -> list[store.DayCounts]:
    today = served.mood.clock().date()
    return store.channel_days(
        served.mood.engine, TEAM, channel, today - timedelta(days=3), today + timedelta(days=3)
    )


def midweek(clock) -> None:
    """Move the clock to the latest Wednesday noon, so closing a day never closes its week too
    (on a Saturday, closing today would also close the week and fold or drop small days)."""
    now = clock()
    wednesday = now.date() - timedelta(days=(now.weekday() - 2) % 7)
    clock.now = now.replace(year=wednesday.year, month=wednesday.month, day=wednesday.day, hour=12)


def stamp(clock, n: int = 0) -> str:
    """A message ts at the clock's time (messages count for the day their ts falls on)."""
    return f"{clock().timestamp() + n / 1000:.6f}"


def close_today(served, clock) -> None:
    """Move time past the end of today and run the maintenance that closes days."""
    served.settle()
    assert served.mood.recorder.flush()
    clock.advance(days=2)
    served.mood.maintain()


def mood_answer(served, text: str = "mood", **kwargs) -> dict:
    before = len(served.fake.calls("response_url"))
    assert served.command(text, **kwargs)[0] == 200
    served.settle()
    calls = served.fake.calls("response_url")
    assert len(calls) == before + 1
    return calls[-1].params


def busy_day(served, users=USERS, channel: str = GENERAL, at=None) -> list[str]:
    """Eight counted messages from four people: 5 confident positive, 2 negative, 1 neutral.

    ``at``: the clock, to stamp the messages with its time (else Slack's real now)."""
    texts = []
    for n, user in enumerate(users * 2):
        text = [POSITIVE, POSITIVE, NEGATIVE, POSITIVE][n % 4] + f" day{n}"
        if n == 7:
            text = f"the meeting moved to the big room {n}"  # no sentiment words: lean, counted
        texts.append(text)
        ts = f"{at().timestamp() + n / 1000:.6f}" if at else None
        assert served.send_event(message(text, user, channel, ts=ts))[0] == 200
    served.settle()
    return texts


def test_counts_only_what_reactions_would_see_once_and_the_database_keeps_no_text_or_user(
    database_url, clock, tmp_path: Path
):
    with served_app(
        database_url=database_url, clock=clock, reaction_channels_deny=frozenset({"C0000DENY"})
    ) as served:
        midweek(clock)
        texts = busy_day(served, at=clock)
        event_id = payloads.new_event_id()
        redelivered = message(POSITIVE + " again", USERS[0], ts=stamp(clock, 100))
        texts.append(redelivered["text"])
        assert served.send_event(redelivered, event_id=event_id)[0] == 200
        assert served.send_event(redelivered, event_id=event_id)[0] == 200  # dedupe
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert served.send_event(redelivered, event_id=event_id, **retry)[0] == 200
        ignored = [
            message("zzfoo zzbar zzbaz unknown zzqux", USERS[1]),  # too few known words
            message(POSITIVE + " from a bot", "UBOTTY009", bot_id="B9"),
            message(POSITIVE + " edited", USERS[2], subtype="message_changed"),
            message(POSITIVE + " denied", USERS[3], channel="C0000DENY"),
            message(POSITIVE + " in a dm", USERS[3], channel="D0000DM1", channel_type="im"),
            message(f"<@{served.fake.bot_user_id}> " + POSITIVE, USERS[3]),  # a mention
        ]
        for n, event in enumerate(ignored):
            event["ts"] = stamp(clock, 200 + n)
            texts.append(event["text"])
            assert served.send_event(event)[0] == 200
        served.settle()
        assert served.mood.recorder.flush()
        (today,) = counted(served)
        assert (today.messages, today.positive, today.negative, today.authors) == (9, 6, 2, 4)
        assert counted(served, "C0000DENY") == []
        assert len(served.fake.calls("reactions.add")) == 8  # the same filters: 6 + 2

        close_today(served, clock)
        rows = all_rows(served.mood.engine)
        assert rows["mood_day_authors"] == []  # a day with enough people: its hashes go
        # The week's key stays until the week closes (folded days' people are counted with it).
        assert [r[2] for r in rows["mood_day_keys"]] == [today.day - timedelta(today.day.weekday())]
        assert [d.authors for d in counted(served)] == [4]  # only the count of authors stays

        answer = mood_answer(served, "mood 7d", user_id=USERS[0])
        assert answer["response_type"] == "ephemeral"
        assert "9 messages counted from at least 4 people" in answer["text"]
        # 7 days: Slack's own chart blocks, no upload, no files:write
        kinds = [b["type"] for b in answer["blocks"]]
        assert "data_visualization" in kinds and served.fake.files == {}
        # Nine messages say little: every share is too uncertain, and the reply says why.
        assert "too uncertain to say from only 9 messages" in answer["text"], answer["text"]
        assert "Days: 1 shown, 6 with nothing stored (no messages" in answer["text"]
        answer = mood_answer(served, "mood 90d", user_id=USERS[0])  # 90 days: the PNG
        (upload,) = served.fake.files.values()
        assert upload.completed and upload.channel_id == "D" + USERS[0][1:]  # the asker's DM
        assert upload.data.startswith(b"\x89PNG") and "9 messages counted" in upload.alt_txt
        clock.advance(days=7)  # the week closes: its key goes too
        served.mood.maintain()
        assert all_rows(served.mood.engine)["mood_day_keys"] == []

        # The privacy scan: no text, no user id anywhere in the database, no small group.
        first_open = (clock() - timedelta(hours=1)).date()
        assert_no_small_group_at_rest(served.mood.engine, 3, first_open)
        rows = all_rows(served.mood.engine)
        rows.pop("alembic_version")  # the schema's revision name ("0007_..."), not data
        dump = repr(rows)
        blobs = [v for table in rows.values() for row in table for v in row]
        blobs = [bytes(v) for v in blobs if isinstance(v, bytes | bytearray | memoryview)]
        for secret in [*texts, *USERS, "UBOTTY009"]:
            assert secret not in dump
            assert not any(secret.encode() in blob for blob in blobs)
            for word in secret.split():
                if word.startswith("day") or word.isdigit():
                    assert word not in dump
    if database_url.startswith("sqlite"):
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("bot.sqlite3*"))
        for secret in [*texts, *USERS]:
            assert secret.encode() not in raw


def test_counts_are_written_by_the_background_flush(database_url):
    with served_app(database_url=database_url, mood_flush_seconds=0.1) as served:
        busy_day(served)
        deadline_ok = False
        for _ in range(200):  # generous: the flush runs every 0.1 s
            days = counted(served)
            if days and days[0].messages == 8:
                deadline_ok = True
                break
            served.pool.wait_idle(0.05)
            import time

            time.sleep(0.05)
        assert deadline_ok
        assert served.mood.recorder.pending == 0


def test_small_days_never_at_rest_folded_into_the_week_or_dropped(
    database_url, clock, tmp_path: Path
):
    """A closed day of fewer people than MOOD_MIN_AUTHORS leaves no row of its own: it waits in
    its week (hashes kept until the week closes), which is kept only with enough people."""
    with served_app(database_url=database_url, clock=clock) as served:
        monday = clock().date() - timedelta(days=clock().date().weekday())
        clock.now = clock().replace(year=monday.year, month=monday.month, day=monday.day, hour=12)
        busy_day(served, users=USERS[:2], at=clock)  # Monday: two people
        close_today(served, clock)  # now Wednesday
        busy_day(served, users=USERS[1:3], at=clock)  # Wednesday: two people, one of them new
        close_today(served, clock)  # Friday
        rows = all_rows(served.mood.engine)
        assert rows["mood_days"] == []  # no closed day row describes fewer than 3 people
        assert len(rows["mood_weeks"]) == 1  # the open week holds both days
        assert len(rows["mood_day_authors"]) == 4  # kept while the week is open, keyed
        secrets = [r[-1] for r in rows["mood_day_authors"]] + [r[-1] for r in rows["mood_day_keys"]]
        closed_week = close_week(served, clock)
        rows = all_rows(served.mood.engine)
        assert rows["mood_day_authors"] == [] and rows["mood_day_keys"] == []
        assert_no_small_group_at_rest(served.mood.engine, 3, clock().date())
        (week,) = store.channel_weeks(served.mood.engine, TEAM, GENERAL, monday, monday)
        assert (week.people, week.messages, week.days) == (3, 8, (monday, monday + timedelta(2)))
        assert closed_week

        busy_day(served, users=USERS[:2], at=clock)  # next week: only two people all week
        close_week(served, clock)
        rows = all_rows(served.mood.engine)
        assert len(rows["mood_weeks"]) == 1  # the small week was dropped
        assert rows["mood_day_authors"] == [] and rows["mood_days"] == []
        assert_no_small_group_at_rest(served.mood.engine, 3, clock().date())
    if database_url.startswith("sqlite"):  # and not in the raw files either (secure_delete)
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("bot.sqlite3*"))
        assert secrets and not any(secret in raw for secret in secrets)


def test_a_raised_minimum_group_size_holds_at_rest_too(database_url, clock):
    """``mood min-people 4`` raises this workspace's minimum: a closed day of three people is
    folded into its week like any small day, and the week dropped if it has fewer than four."""
    with served_app(database_url=database_url, clock=clock) as served:
        clock.now = clock().replace(hour=12)  # days close an hour after midnight
        served.mood.set_min_authors(TEAM, 4)
        busy_day(served, users=USERS[:3], at=clock)  # three people: enough for the floor only
        close_today(served, clock)
        assert all_rows(served.mood.engine)["mood_days"] == []
        assert_no_small_group_at_rest(served.mood.engine, 4, clock().date())
        close_week(served, clock)
        rows = all_rows(served.mood.engine)
        assert rows["mood_days"] == [] and rows["mood_weeks"] == []  # 3 < 4 all week: dropped


def test_sqlite_deletes_securely_on_every_connection(tmp_path):
    from bot.storage.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    for _ in range(2):  # every pooled connection, not only the first
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    engine.dispose()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def close_week(served, clock) -> bool:
    served.settle()
    assert served.mood.recorder.flush()
    today = clock().date()
    clock.advance(days=7 - today.weekday() + 1)  # past the next Monday's close
    served.mood.maintain()
    return True


def test_optout_stops_reactions_and_counting_but_not_answers(database_url, clock):
    with served_app(database_url=database_url, clock=clock) as served:
        answer = mood_answer(served, "optout", user_id=USERS[0])
        assert answer["response_type"] == "ephemeral" and "opted out" in answer["text"]
        served.fake.clear()
        assert served.send_event(message(POSITIVE, USERS[0]))[0] == 200
        assert served.send_event(message(POSITIVE, USERS[1]))[0] == 200
        served.settle()
        (reaction,) = served.fake.calls("reactions.add")  # only the other person's message
        mention = payloads.app_mention_event(
            f"<@{served.fake.bot_user_id}> {POSITIVE}", user=USERS[0]
        )
        assert served.send_event(mention)[0] == 200
        answer = mood_answer(served, POSITIVE, user_id=USERS[0])
        assert "Positive" in answer["text"]
        served.fake.wait_for("chat.postMessage")
        assert served.mood.recorder.flush()
        (today,) = counted(served)
        assert (today.messages, today.authors) == (1, 1)
        rows = all_rows(served.mood.engine)
        assert len(rows["mood_optouts"]) == 1 and USERS[0] not in repr(rows)

        assert "opted in" in mood_answer(served, "optin", user_id=USERS[0])["text"]
        served.fake.clear()
        assert served.send_event(message(POSITIVE, USERS[0]))[0] == 200
        served.settle()
        assert len(served.fake.calls("reactions.add")) == 1
        assert all_rows(served.mood.engine)["mood_optouts"] == []


def test_mood_tracking_off_everywhere(database_url):
    with served_app(database_url=database_url, mood_tracking=False) as served:
        busy_day(served)
        assert served.mood.recorder.flush()
        assert counted(served) == []
        assert "MOOD_TRACKING=off" in mood_answer(served)["text"]
