"""Settings come from the environment over .env, with defaults and one-line errors."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_SLACK_API_URL, Settings, SettingsError, load_env, settings_from_env


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


def test_env_example_documents_every_setting():
    from pathlib import Path

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in example.splitlines()
        if "=" in line and line.lstrip("# ").split("=", 1)[0].strip().isupper()
    }
    import inspect

    import bot.settings as module

    used = set(__import__("re").findall(r'env, "([A-Z_]+)"', inspect.getsource(module)))
    used |= {"SLACK_API_URL"}
    assert used <= documented, f"undocumented in .env.example: {sorted(used - documented)}"
    # Every default in the example file parses to the built-in defaults.
    defaults = {}
    for line in example.splitlines():
        stripped = line.lstrip("# ").strip()
        if "=" in stripped and stripped.split("=", 1)[0].isupper():
            key, value = stripped.split("=", 1)
            if key in used and not key.startswith("SLACK_") and key not in {"MODEL_PATH"}:
                defaults[key] = value
    assert settings_from_env(defaults) == Settings()
