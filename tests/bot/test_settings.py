"""Settings come from the environment over .env, with defaults and one-line errors."""

from __future__ import annotations

import ast
import subprocess
import sys
import typing
from dataclasses import fields
from pathlib import Path

import pytest

from bot.schedule_time import ScheduleError, SendAt, parse_send_at
from bot.settings import (
    DEFAULT_SLACK_API_URL,
    Settings,
    SettingsError,
    declared,
    env_example,
    load_env,
    settings_from_env,
)

ROOT = Path(__file__).resolve().parents[2]
DECLARED = list(declared())
NAMES = [name for name, _, _ in DECLARED]


def test_defaults():
    s = settings_from_env({})
    assert s == Settings()
    assert s.slack_api_url == DEFAULT_SLACK_API_URL
    assert (s.port, s.reaction_threshold, s.min_known_words) == (3000, 0.8, 3)
    assert (s.positive_emoji, s.negative_emoji) == (
        "slightly_smiling_face",
        "slightly_frowning_face",
    )
    assert s.reactions_enabled and s.react_in_threads and s.process_slack_retries
    assert not s.has_slack_credentials


def test_values_are_parsed():
    s = settings_from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "abc",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "PORT": "8080",
            "REACTION_THRESHOLD": "0.9",
            "MIN_KNOWN_WORDS": "5",
            "POSITIVE_EMOJI": ":thumbsup:",
            "NEGATIVE_EMOJI": "thumbsdown",
            "REACTION_CHANNELS": "C1, C2",
            "REACTION_CHANNELS_DENY": "G3",
            "REACT_IN_THREADS": "no",
            "REACTIONS_ENABLED": "false",
            "SENTIMENT_COMMAND": "/mood",
        }
    )
    assert s.slack_api_url == "http://127.0.0.1:9/api/"  # trailing slash added
    assert s.port == 8080 and s.reaction_threshold == 0.9 and s.min_known_words == 5
    assert (s.positive_emoji, s.negative_emoji) == ("thumbsup", "thumbsdown")
    assert s.reaction_channels == {"C1", "C2"} and s.reaction_channels_deny == {"G3"}
    assert not s.react_in_threads and not s.reactions_enabled and s.sentiment_command == "/mood"
    assert not s.socket_mode


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"PORT": "eighty"}, "PORT must be an integer"),
        ({"PORT": "70000"}, "PORT must be between"),
        ({"REACTION_THRESHOLD": "2"}, "REACTION_THRESHOLD must be between"),
        ({"REACT_IN_THREADS": "maybe"}, "REACT_IN_THREADS must be true or false"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL must be an http(s) URL"),
        ({"REACTION_CHANNELS": "#general"}, "REACTION_CHANNELS must be a comma-separated list"),
        ({"POSITIVE_EMOJI": "big smile"}, "POSITIVE_EMOJI must be an emoji name"),
        ({"SENTIMENT_COMMAND": "sentiment"}, "SENTIMENT_COMMAND must look like /sentiment"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be"),
        ({"MODEL_PATH": "/nonexistent/model"}, "MODEL_PATH=/nonexistent/model does not exist"),
    ],
)
def test_bad_values_raise_one_actionable_line(env, names):
    with pytest.raises(SettingsError) as info:
        settings_from_env(env)
    assert str(info.value).startswith(names)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN must start with xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN must start"),
    ],
)
def test_slack_validation(env, message):
    with pytest.raises(SettingsError, match=message):
        settings_from_env(env).validate_for_slack()


def test_socket_mode_needs_no_signing_secret():
    s = settings_from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    s.validate_for_slack()
    assert s.socket_mode


def test_env_file_is_read_and_real_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nREACTION_THRESHOLD=0.85\n# comment\n")
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.delenv("REACTION_THRESHOLD", raising=False)
    s = settings_from_env(load_env(env_file))
    assert s.port == 5000 and s.reaction_threshold == 0.85


# --- The declaration: one table, parsed once into typed values ---------------------------


@pytest.mark.parametrize(("name", "f", "spec"), DECLARED, ids=NAMES)
def test_every_setting_parses_its_default(name, f, spec):
    hints = typing.get_type_hints(Settings)
    assert spec.parse(name, spec.default) == f.default
    assert settings_from_env({name: spec.default}) == Settings()
    assert isinstance(f.default, typing.get_origin(hints[f.name]) or hints[f.name])
    assert spec.help_text or name in {"PORT", "NEGATIVE_EMOJI"}  # the help above covers them


# A value each kind of setting must refuse; free text (tokens, HOST, DEDUPE_DB) refuses nothing.
NOT_A_VALUE = ["not a value", "-1", "1e99", "", "http:/"]


@pytest.mark.parametrize(("name", "f", "spec"), DECLARED, ids=NAMES)
def test_bad_values_name_the_variable_in_one_line(name, f, spec):
    refused = []
    for raw in NOT_A_VALUE:
        try:
            settings_from_env({name: raw})
        except SettingsError as err:
            refused.append(raw)
            assert str(err).startswith(name), str(err)
            assert "\n" not in str(err)
    free_text = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "HOST", "DEDUPE_DB"}
    assert bool(refused) == (name not in free_text), refused


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DIGEST_SEND_AT": "someday"}, "DIGEST_SEND_AT: send time must look like 'mon 09:00'"),
        ({"DIGEST_SEND_AT": "mon 24:00"}, "DIGEST_SEND_AT: send time must be between 00:00"),
        ({"MOOD_TIMEZONE": "Mars/Olympus"}, "MOOD_TIMEZONE must be an IANA time zone"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must look like sqlite:///"),
        ({"PROCESS_SLACK_RETRIES": "sometimes"}, "PROCESS_SLACK_RETRIES must be auto, true or"),
        ({"MIN_KNOWN_SHARE": "half"}, "MIN_KNOWN_SHARE must be a number, not 'half'"),
        ({"LOG_LEVEL": ""}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not ''"),
        ({"POSITIVE_EMOJI": "::"}, "POSITIVE_EMOJI must be an emoji name like thumbsup, not ''"),
    ],
)
def test_bad_value_messages(env, message):
    with pytest.raises(SettingsError) as info:
        settings_from_env(env)
    assert str(info.value).startswith(message)


def test_empty_keeps_the_default_except_where_empty_means_something():
    assert settings_from_env({"HOST": "", "PORT": " ", "MOOD_TIMEZONE": ""}) == Settings()
    assert settings_from_env({"DIGEST_SEND_AT": "", "PROCESS_SLACK_RETRIES": ""}) == Settings()
    off = settings_from_env({"REACTIONS_ENABLED": "", "MOOD_TRACKING": "off"})
    assert not off.reactions_enabled and not off.mood_tracking


def test_send_time_is_a_typed_value():
    assert Settings().digest_send_at == SendAt(weekday=0, minute_of_day=9 * 60)
    s = settings_from_env({"DIGEST_SEND_AT": " Friday 16:30 "})
    assert s.digest_send_at == SendAt(4, 16 * 60 + 30) == parse_send_at("fri 16:30")
    assert str(s.digest_send_at) == "Fri 16:30"
    with pytest.raises(ScheduleError, match="between 00:00 and 23:59"):
        parse_send_at("sun 12:60")
    with pytest.raises(ScheduleError, match="must look like 'mon 09:00'"):
        parse_send_at("tomorrow 9:00")


def test_no_setting_declared_twice():
    assert len(NAMES) == len(set(NAMES)) == len(fields(Settings))
    assert all(name == f.name.upper() for name, f, _ in DECLARED)
    # The send time and the settings' names are defined in one bot/ module each.
    ours = {"bot/settings.py", "bot/schedule_time.py"}
    defined: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            else:
                continue
            for name in names:
                defined.setdefault(name, []).append(str(path.relative_to(ROOT)))
    twice = {
        name: where
        for name, where in defined.items()
        if not name.startswith("_") and len(where) > 1 and ours & set(where)
    }
    assert not twice


def test_alert_defaults_come_from_settings():
    from bot.digests.mood_drop import DropRule

    rule, s = DropRule(), Settings()
    assert (rule.z_alert, rule.min_recent_messages, rule.min_rise) == (
        s.mood_alert_z,
        s.mood_alert_min_messages,
        s.mood_alert_min_rise,
    )


def test_settings_import_no_feature_or_runner():
    code = "import sys, bot.settings; print(sorted(m for m in sys.modules if m.startswith('bot.')))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "['bot.schedule_time', 'bot.settings']"


# --- .env.example: generated from the declaration, so it cannot drift ---------------------


def _example_lines() -> list[tuple[str, str]]:
    text = (ROOT / ".env.example").read_text()
    return [
        tuple(line.split("=", 1)) for line in text.splitlines() if line and not line.startswith("#")
    ]


def test_env_example_names_exactly_the_declared_settings_with_their_defaults():
    lines = _example_lines()
    assert [name for name, _ in lines] == NAMES
    assert dict(lines) == {name: spec.default for name, _, spec in DECLARED}
    assert settings_from_env(dict(lines)) == Settings()


def test_env_example_is_the_generated_one():
    assert (ROOT / ".env.example").read_text() == env_example(), (
        "run `python -m bot.settings > .env.example`"
    )
