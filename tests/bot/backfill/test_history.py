"""Reading conversations.history from the fake Web API: cursors, 429s, pacing, resuming."""

from __future__ import annotations

import pytest

from bot.backfill.history import HistoryError, RequestPacer, make_history_client, read_history
from tests.helpers.fake_slack import FakeSlack

CHANNEL = "C0HIST001"
T0 = 1_700_000_000


class FakeClock:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake():
    with FakeSlack() as slack:
        slack.add_history(
            CHANNEL,
            [{"ts": f"{T0 + i}.000100", "text": f"m{i}", "user": "U1"} for i in range(1050)],
        )
        yield slack


def _client(fake):
    return make_history_client("xoxb-test", fake.base_url, 5)


def _read(fake, clock, **kwargs):
    pacer = RequestPacer(kwargs.pop("per_minute", 6000), clock=clock, sleep=clock.sleep)
    return read_history(_client(fake), CHANNEL, pacer=pacer, **kwargs)


def test_pages_follow_cursors_newest_first_and_read_each_message_once(fake):
    clock = FakeClock()
    pages = list(_read(fake, clock, oldest=T0 - 1, latest=None, page_size=200))
    stamps = [m["ts"] for page in pages for m in page.messages]
    assert len(pages) == 6 and len(stamps) == 1050 == len(set(stamps))
    assert stamps == sorted(stamps, key=float, reverse=True)
    calls = fake.calls("conversations.history")
    assert "cursor" not in calls[0].params and all(c.params["cursor"] for c in calls[1:])
    assert not pages[-1].has_more


def test_oldest_bound_is_exclusive(fake):
    pages = list(_read(fake, FakeClock(), oldest=T0 + 1000.0001, latest=None, page_size=999))
    assert [m["ts"] for m in pages[0].messages][-1] == f"{T0 + 1001}.000100"
    assert sum(len(p.messages) for p in pages) == 49


def test_rate_limit_waits_retry_after_and_repeats_the_same_cursor(fake):
    clock = FakeClock()
    waits = []
    reader = _read(fake, clock, oldest=0, latest=None, page_size=300, on_rate_limited=waits.append)
    first = next(reader)
    fake.fail("conversations.history", status=429, retry_after=7, times=2)
    rest = list(reader)
    stamps = [m["ts"] for page in [first, *rest] for m in page.messages]
    assert len(stamps) == 1050 == len(set(stamps))
    assert waits == [7.0, 7.0]
    assert sum(clock.sleeps) >= 14  # the pacer held the next request back by Retry-After
    calls = fake.calls("conversations.history")
    assert [c.status for c in calls[1:4]] == [429, 429, 200]
    assert calls[1].params["cursor"] == calls[2].params["cursor"] == calls[3].params["cursor"]


def test_requests_are_spaced_to_the_configured_rate(fake):
    clock = FakeClock()
    list(_read(fake, clock, oldest=0, latest=None, page_size=200, per_minute=50))
    # 6 requests at 50 a minute: 5 gaps of 1.2 s, plus 5% to stay clear of the limit.
    assert clock.sleeps == pytest.approx([1.26] * 5)


def test_interrupted_and_resumed_below_the_high_water_mark_reads_nothing_twice(fake):
    clock = FakeClock()
    seen = []
    for page in _read(fake, clock, oldest=0, latest=None, page_size=200):
        seen.extend(m["ts"] for m in page.messages)
        if len(seen) >= 400:
            break  # the process dies here; the caller had stored min(ts) with the counts
    mark = min(float(ts) for ts in seen)
    for page in _read(fake, clock, oldest=0, latest=mark, page_size=200):
        seen.extend(m["ts"] for m in page.messages)
    assert len(seen) == 1050 == len(set(seen))


def test_should_stop_ends_between_pages(fake):
    pages = list(
        _read(fake, FakeClock(), oldest=0, latest=None, page_size=100, should_stop=lambda: True)
    )
    assert pages == []


def test_slack_errors_raise_with_their_code(fake):
    fake.fail("conversations.history", error="not_in_channel")
    with pytest.raises(HistoryError) as err:
        list(_read(fake, FakeClock(), oldest=0, latest=None))
    assert err.value.code == "not_in_channel"
