"""Signed Slack Events API requests over loopback, from a process of their own.

    python -m benchmarks.loadgen --url http://127.0.0.1:3000/slack/events --secret S \\
        --mode rate --rate 500 --seconds 10 --phase 1
    python -m benchmarks.loadgen ... --mode burst --count 1000 --phase 2

Every request is what Slack sends for a channel message: a JSON ``event_callback`` with a
unique ``event_id`` and message ``ts``, signed with the signing secret. Messages alternate
between one the model is confidently positive about and one it is confidently negative about,
so each event must end in exactly one reaction. All requests are built and signed before the
clock starts; then one asyncio loop sends them over a pool of keep-alive HTTP/1.1 connections,
open loop: request ``i`` of a fixed-rate run is due at ``start + i / rate`` whatever happened to
the previous ones, and its lateness (all connections busy, or this process short of CPU) is
reported as ``lag``. Prints one JSON object on stdout.

Many workspaces (issue 17): ``--teams N`` spreads the events over N team ids (``--team`` names
one), as the bot's single-token mode accepts them; ``--mention-every K`` makes every K-th event
an ``app_mention`` (a reply to a person) instead of a channel message, and the result then
carries each mention's send time by its ``ts`` (``mention_sent_at``) for reply latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from benchmarks import corpus
from benchmarks.measure import latency_summary
from bot.console import slack_requests as payloads

TIMEOUT_SECONDS = 10.0


def channel_for(phase: int) -> str:
    """Each phase reacts in its own channel, so phases never collide at the fake Slack."""
    return f"CLOAD{phase:04d}"


BOT_USER_ID = "UBOT0001"  # the fake Slack's auth.test answer


def team_for(i: int, teams: int, team: str | None = None) -> str:
    """The team id of event ``i``: ``team``, or one of ``teams`` ids in turn."""
    if team:
        return team
    return f"TW{i % teams:05d}" if teams > 1 else "T0000FAKE"


def event_for(i: int, channel: str, ts: str, mention_every: int = 0) -> dict[str, Any]:
    """A confident channel message, or (every ``mention_every``-th) a mention of the bot."""
    text = corpus.LOAD_POSITIVE if i % 2 == 0 else corpus.LOAD_NEGATIVE
    if mention_every and i % mention_every == 0:
        return payloads.app_mention_event(f"<@{BOT_USER_ID}> {text}", channel=channel, ts=ts)
    return payloads.message_event(text, channel=channel, ts=ts)


def build_requests(
    url: str,
    secret: str,
    count: int,
    phase: int,
    teams: int = 1,
    team: str | None = None,
    mention_every: int = 0,
) -> list[bytes]:
    """``count`` complete, signed HTTP/1.1 requests, ready to write to a socket."""
    parts = urlsplit(url)
    host = parts.netloc
    path = parts.path or "/"
    base = int(time.time())
    channel = channel_for(phase)
    run = uuid.uuid4().hex[:6].upper()  # new ids every run: the host record outlives a server
    out = []
    for i in range(count):
        event = event_for(i, channel, f"{base}.{i:06d}", mention_every)
        body = payloads.json_body(
            payloads.event_callback(
                event, event_id=f"EvL{run}{phase:04d}N{i:07d}", team_id=team_for(i, teams, team)
            )
        ).encode()
        headers = payloads.sign(secret, body.decode())
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Slack-Request-Timestamp: {headers['X-Slack-Request-Timestamp']}\r\n"
            f"X-Slack-Signature: {headers['X-Slack-Signature']}\r\n"
            "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


class Connection:
    """One keep-alive HTTP/1.1 connection; reopened after an error or ``Connection: close``."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, data: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip().lower()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        if headers.get("connection") == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def send_all(
    url: str,
    requests: list[bytes],
    due: list[float],
    connections: int,
    watch: set[int] | None = None,
) -> dict[str, Any]:
    """Send ``requests[i]`` at ``start + due[i]`` seconds over ``connections`` connections."""
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(parts.hostname or "127.0.0.1", parts.port or 80))
    latencies: list[float] = []
    lags: list[float] = []
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    last_done = 0.0
    watched_at: dict[int, float] = {}  # request index -> epoch seconds it was sent

    async def one(i: int, when: float) -> None:
        nonlocal last_done
        conn = await pool.get()
        sent = loop.time()
        if watch and i in watch:
            watched_at[i] = time.time()
        try:
            status = await asyncio.wait_for(conn.request(requests[i]), TIMEOUT_SECONDS)
        except Exception as err:  # noqa: BLE001 - count it, reconnect, go on
            errors[type(err).__name__] += 1
            conn.close()
        else:
            done = loop.time()
            statuses[str(status)] += 1
            latencies.append((done - sent) * 1000)
            lags.append((sent - when) * 1000)
            last_done = max(last_done, done)
        finally:
            pool.put_nowait(conn)

    started_wall = time.time()
    start = loop.time()
    tasks = []
    for i, offset in enumerate(due):
        when = start + offset
        delay = when - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, when)))
    sending_done = loop.time()
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    elapsed = max(last_done, sending_done) - start
    ok = statuses.get("200", 0)
    return {
        "sent": len(requests),
        "acked_200": ok,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "error_count": len(requests) - ok,
        "connections": connections,
        "started_at": started_wall,
        "send_seconds": sending_done - start,
        "elapsed_seconds": elapsed,
        "acks_per_second": ok / elapsed if elapsed > 0 else 0.0,
        "ack_latency": latency_summary(latencies),
        "schedule_lag": latency_summary(lags),
        "watched_at": watched_at,
    }


def run(
    url: str,
    secret: str,
    *,
    mode: str,
    phase: int,
    rate: float = 0.0,
    seconds: float = 0.0,
    count: int = 0,
    connections: int = 32,
    teams: int = 1,
    team: str | None = None,
    mention_every: int = 0,
) -> dict[str, Any]:
    """One fixed-rate or burst run; the result also names the channel it reacted in."""
    if mode == "rate":
        total = max(1, round(rate * seconds))
        due = [i / rate for i in range(total)]
    else:
        total = count
        due = [0.0] * total
    requests = build_requests(url, secret, total, phase, teams, team, mention_every)
    base = requests and _ts_base(requests[0])
    mentions = {i for i in range(total) if mention_every and i % mention_every == 0}
    result = asyncio.run(send_all(url, requests, due, connections, mentions))
    watched = result.pop("watched_at")
    result["mention_sent_at"] = {f"{base}.{i:06d}": at for i, at in watched.items()}
    result["mentions"] = len(mentions)
    result["teams"] = 1 if team else teams
    result.update(
        mode=mode,
        phase=phase,
        channel=channel_for(phase),
        offered_rate=rate if mode == "rate" else None,
        offered_seconds=seconds if mode == "rate" else None,
    )
    return result


def _ts_base(request: bytes) -> str:
    """The whole-second part every message ``ts`` of a run shares (``build_requests``)."""
    body = json.loads(request.split(b"\r\n\r\n", 1)[1])
    return body["event"]["ts"].split(".")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadgen", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--mode", choices=("rate", "burst"), required=True)
    parser.add_argument("--phase", type=int, default=1)
    parser.add_argument("--rate", type=float, default=200.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--count", type=int, default=1000, help="burst size")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--teams", type=int, default=1, help="spread over this many team ids")
    parser.add_argument("--team", help="one team id for every event")
    parser.add_argument("--mention-every", type=int, default=0, help="every K-th: a mention")
    args = parser.parse_args(argv)
    result = run(
        args.url,
        args.secret,
        mode=args.mode,
        phase=args.phase,
        rate=args.rate,
        seconds=args.seconds,
        count=args.count,
        connections=args.connections,
        teams=args.teams,
        team=args.team,
        mention_every=args.mention_every,
    )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
