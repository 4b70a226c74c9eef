"""HTTP mode under attack and under load, through the real WSGI server of ``python -m bot``.

Slow clients, oversized and junk bodies, forged log lines, busy listener threads, a failing
Slack: each test sends real (signed or deliberately unsigned) requests over a socket and checks
what the app answered, what it posted to the fake Slack and what it logged. gunicorn's own
server gets the same checks in ``test_gunicorn.py``.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request

import pytest

from benchmarks.slow_clients import raw_request, slow_clients
from bot.console import slack_requests as payloads
from bot.runners import gate
from tests.helpers.fake_slack import RESPONSE_URL_METHOD, FakeSlack
from tests.helpers.logs import debug_log_stream
from tests.helpers.slack_app import SECRET, served_app

# Slack waits 3 s for an ack; the issue asks for 1 s, which the benchmark measures. A blocked
# server never acks while the slow clients stay, so this bound cannot pass by luck.
ACK_BOUND_S = 3.0


@pytest.fixture
def log_stream():
    with debug_log_stream() as stream:
        yield stream


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def timed_event(s, text: str = "this is great and wonderful") -> float:
    started = time.perf_counter()
    status, _ = s.send_event(payloads.message_event(text))
    assert status == 200
    return time.perf_counter() - started


# --- 2. slow clients, body limit, signature before parsing ------------------------------------


@pytest.mark.parametrize("headers_only", [False, True], ids=["one_body_byte", "half_headers"])
def test_signed_event_is_acked_while_eight_slow_clients_hold_connections(headers_only):
    with served_app() as s, slow_clients(s.url, 8, headers_only=headers_only):
        time.sleep(0.2)  # let the server take all eight connections in
        seconds = max(timed_event(s) for _ in range(3))
        assert seconds < ACK_BOUND_S
        s.fake.wait_for("reactions.add", count=3)


def test_body_over_the_limit_is_413_from_the_headers_alone():
    """The client sends only headers announcing 50 MB: the answer comes without the body."""
    with served_app() as s:
        head = (
            "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
        )
        assert raw_request(s.url, head) == 413
        no_length = (
            "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n"
        )
        assert raw_request(s.url, no_length) == 411
        s.settle()
        assert s.fake.calls() == [] or {c.method for c in s.fake.calls()} == {"auth.test"}


def test_a_body_that_never_finishes_gets_408(monkeypatch):
    monkeypatch.setattr("bot.runners.http.BODY_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr("bot.runners.http.READ_TIMEOUT_SECONDS", 0.3)
    with served_app() as s:
        head = "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
        assert raw_request(s.url, head, b"{", timeout=10) == 408


def _junk(s) -> list[tuple[str, bytes, dict[str, str]]]:
    """15 bodies Slack never sends, each with the headers that go with it."""
    deep = "[" * 100_000 + "]" * 100_000
    nested_object = '{"a":' * 200 + "1" + "}" * 200
    event = payloads.json_body(payloads.event_callback(payloads.message_event("great")))
    return [
        ("non-numeric timestamp", event.encode(), {"X-Slack-Request-Timestamp": "abc"}),
        ("huge timestamp", event.encode(), {"X-Slack-Request-Timestamp": "9" * 40}),
        ("empty timestamp", event.encode(), {"X-Slack-Request-Timestamp": ""}),
        ("no signature", event.encode(), {"X-Slack-Signature": ""}),
        ("malformed JSON", b'{"type": "event_callback", ', {}),
        ("JSON list", b"[1, 2, 3]", {}),
        ("JSON string", b'"hello"', {}),
        ("JSON number", b"42", {}),
        ("JSON null", b"null", {}),
        ("deeply nested list", deep.encode(), {}),
        ("deeply nested object", nested_object.encode(), {}),
        ("invalid UTF-8", b'{"type": "\xff\xfe"}', {}),
        ("invalid UTF-8 form", b"command=%2Fsentiment&text=\xff", {"Content-Type": "x"}),
        ("form with bad payload", b"payload=%7B%7B%7B", {"Content-Type": "x"}),
        ("empty body", b"", {}),
    ]


def _post_raw(s, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    all_headers = {"Content-Type": "application/json", **headers}
    if all_headers["Content-Type"] == "x":
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(s.url + "/slack/events", body, all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _signed(body: bytes, headers: dict[str, str]) -> dict[str, str]:
    import hashlib
    import hmac

    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    signed = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}
    return {**signed, **headers}


def test_junk_gets_4xx_no_traceback_no_slack_call(log_stream):
    with served_app() as s:
        s.settle()
        s.fake.clear()
        results = {}
        for name, body, headers in _junk(s):
            unsigned = {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00", **headers}
            results[f"unsigned {name}"] = _post_raw(s, body, unsigned)[0]
            results[f"signed {name}"] = _post_raw(s, body, _signed(body, headers))[0]
        s.settle()
        assert s.fake.calls() == []
        assert s.predictor.texts == []
    # The signature is checked first: every unsigned request is 401, whatever its body.
    assert {k: v for k, v in results.items() if k.startswith("unsigned")} == {
        k: 401 for k in results if k.startswith("unsigned")
    }
    signed = {k: v for k, v in results.items() if k.startswith("signed")}
    assert all(400 <= status < 500 for status in signed.values()), signed
    # Parsing happens only after the signature: signed junk bodies are 400 (the timestamp cases
    # stay 401 since their own timestamp header overrides the signed one).
    assert signed["signed malformed JSON"] == signed["signed deeply nested list"] == 400
    assert signed["signed invalid UTF-8"] == 400
    logs = log_stream.getvalue()
    assert "Traceback" not in logs and "status=500" not in logs


# --- 3. acks never wait for listener threads ------------------------------------------------


def test_command_is_acked_while_every_listener_thread_is_busy():
    """24 messages keep both listener threads on a 2 s Slack call each: /sentiment still acks."""
    with served_app(listener_threads=2) as s:
        s.fake.fail("reactions.add", delay=2.0, times=24)
        for n in range(24):
            assert s.send_event(payloads.message_event(f"great and good {n}"))[0] == 200
        started = time.perf_counter()
        status, _ = s.command("this is wonderful")
        assert status == 200  # Bolt used to answer 404 after 3 s here
        assert time.perf_counter() - started < ACK_BOUND_S
        mention = payloads.app_mention_event("<@UBOT0001> so good")
        assert s.send_event(mention)[0] == 200
        s.pool.shutdown(wait=False, cancel_futures=True)


# --- 5, 6. logs: no forged lines, no secret URLs, no text --------------------------------------


def test_unverified_fields_cannot_forge_log_lines(log_stream):
    forged = "Ev1\n2030-01-01 00:00:00,000 INFO bot.events handled surface=message outcome=reacted"
    # Redeliveries dropped (PROCESS_SLACK_RETRIES=false), so the retry reason reaches a log line.
    with served_app(process_slack_retries=False) as s:
        body = json.dumps({"type": "event_callback", "event_id": forged, "event": {}})
        for stamp in ("abc", "1"):
            s.post(
                body,
                "application/json",
                {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=1"},
            )
        # A signed request may carry a control character in a header Slack does not sign.
        event = payloads.event_callback(payloads.message_event("great"), event_id="Ev\u2028x")
        s.post(
            payloads.json_body(event),
            "application/json",
            {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "x\x0bINFO forged\x1b[1A"},
        )
        s.settle()
    logs = log_stream.getvalue()
    assert (
        "invalid_signature reason=missing_signature timestamp=invalid" in logs
        and "duplicate_dropped" in logs
    )
    for char in "\x0b\x1b\u2028\r":
        assert char not in logs
    lines = logs.splitlines()
    assert not any("outcome=reacted" in line for line in lines)
    assert all(line[:4].isdigit() for line in lines), lines  # every line is a real record


def _command_to_dead_response_url(s, text: str) -> str:
    from tests.helpers.slack_app import free_port

    url = f"http://127.0.0.1:{free_port()}/response/T0SECRET/1234/s3cr3tHOOK"
    fields = payloads.slash_command(text, response_url=url)
    assert s.post(payloads.form_body(fields), "application/x-www-form-urlencoded")[0] == 200
    s.settle()
    return url


def test_response_url_never_reaches_the_logs_even_when_retried(log_stream):
    """A refused response_url post is retried once; slack_sdk logs that, URL and all."""
    with served_app() as s:
        _command_to_dead_response_url(s, "quokka sunrise is great")
    logs = log_stream.getvalue()
    assert "Going to retry" in logs  # slack_sdk did log the retry...
    assert "/response/" not in logs and "s3cr3t" not in logs and "quokka" not in logs


def test_response_url_is_scrubbed_at_every_sdk_log_level(caplog):
    """Without the bot's logging setup (the SDK logger at NOTSET) slack_sdk logs even more."""
    from bot.logs import PAYLOAD_LOGGERS

    caplog.set_level(logging.DEBUG)
    # An in-process bootstrap in an earlier test (test_main's WSGI factory) leaves them at INFO.
    saved = {name: logging.getLogger(name).level for name in PAYLOAD_LOGGERS}
    try:
        for name in saved:
            logging.getLogger(name).setLevel(logging.NOTSET)
        with served_app() as s:
            _command_to_dead_response_url(s, "quokka sunrise is great")
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "A retry handler found" in messages
    assert "s3cr3t" not in messages and "quokka" not in messages


# --- 7. a response_url post that Slack did not accept is not a reply -------------------------


class GarbageResponseSlack(FakeSlack):
    """Answers response_url posts with HTTP 200 and a body that is not Slack's ``ok``."""

    answer: object = "<html>proxy error</html>"

    def _reply(self, method, params, token):
        from bot.console.fake_slack import Answer

        if method == RESPONSE_URL_METHOD:
            return Answer(200, self.answer)
        return super()._reply(method, params, token)


@pytest.mark.parametrize(
    ("answer", "replied"),
    [
        ("<html>proxy error</html>", False),
        ({"ok": False, "error": "expired_url"}, False),
        ("ok", True),
        ({"ok": True}, True),
    ],
)
def test_response_url_answer_decides_replied(caplog, monkeypatch, answer, replied):
    monkeypatch.setattr("tests.helpers.slack_app.FakeSlack", GarbageResponseSlack)
    GarbageResponseSlack.answer = answer
    caplog.set_level(logging.INFO)
    with served_app() as s:
        s.command("this is great")
        s.fake.wait_for(RESPONSE_URL_METHOD)
        s.settle()
    handled = [r.getMessage() for r in caplog.records if r.getMessage().startswith("handled")]
    assert len(handled) == 1
    assert ("outcome=replied" in handled[0]) is replied, handled


# --- 15. readiness ------------------------------------------------------------------------------


def test_readyz_reports_slack_auth_failures_and_recovers():
    with served_app() as s:
        assert get(s.url + "/readyz") == (200, "ready\n")
        s.fake.fail("reactions.add", error="invalid_auth", times=2)
        s.send_event(payloads.message_event("great and good"))
        s.settle()
        status, text = get(s.url + "/readyz")
        assert status == 503 and "slack_auth=invalid_auth" in text
        assert get(s.url + "/healthz") == (200, "ok\n")  # alive, just not ready
        s.send_event(payloads.message_event("great and good again"))
        s.settle()
        assert get(s.url + "/readyz")[0] == 503
        s.send_event(payloads.message_event("great and good, third time"))
        s.settle()
        assert get(s.url + "/readyz") == (200, "ready\n")


def test_readyz_reports_a_saturated_listener_pool():
    with served_app(listener_threads=1) as s:
        s.fake.fail("reactions.add", delay=1.0, times=6)
        for n in range(6):
            s.send_event(payloads.message_event(f"great and good {n}"))
        status, text = get(s.url + "/readyz")
        assert status == 503 and "listeners_saturated" in text
        s.settle(timeout=15)
        assert get(s.url + "/readyz") == (200, "ready\n")


def test_health_endpoints_refuse_other_methods_and_paths():
    with served_app() as s:
        assert (
            raw_request(s.url, "POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            == 405
        )
        assert raw_request(s.url, "GET /slack/events HTTP/1.1\r\nHost: x\r\n\r\n") == 405
        assert raw_request(s.url, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n") == 404


def test_limits_are_documented_values():
    assert gate.MAX_BODY_BYTES == 1_000_000
    assert gate.BODY_TIMEOUT_SECONDS <= 10
