"""The double-click guard: once per reply, bounded, forgettable, and no raw keys kept."""

from __future__ import annotations

import threading

from bot.feedback.guard import RatedReplies


def test_once_per_key_and_forget():
    rated = RatedReplies()
    assert rated.first("T1:view:V1") and not rated.first("T1:view:V1")
    assert rated.first("T2:view:V1")
    rated.forget("T1:view:V1")
    assert rated.first("T1:view:V1")


def test_bounded_oldest_first():
    rated = RatedReplies(limit=3)
    for key in "abcd":
        assert rated.first(key)
    assert len(rated) == 3
    assert rated.first("a")  # forgotten: the oldest went first
    assert not rated.first("d")


def test_keeps_no_raw_keys():
    rated = RatedReplies()
    rated.first("T1:ephemeral:https://hooks.slack.com/actions/T1/secret")
    assert "secret" not in repr(vars(rated)) and b"secret" not in b"".join(rated._seen)


def test_concurrent_presses_count_once():
    rated = RatedReplies()
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def press() -> None:
        barrier.wait()
        wins.append(rated.first("T1:message:C1:1.2"))

    threads = [threading.Thread(target=press) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
