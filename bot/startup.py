"""Startup checks that turn a bad setup into one actionable line instead of a traceback."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from model.prediction import Predictor


class StartupError(RuntimeError):
    """The bot cannot start; the message is the one line that says what to fix."""


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:200]}" if text else type(err).__name__


def load_model(settings: Settings) -> Predictor:
    """Load the model artifact (``MODEL_PATH`` or the shipped one) or raise ``StartupError``."""
    path = settings.model_dir
    if not path.exists():
        raise StartupError(
            f"model artifact not found at {path}: train it with `make train` or set MODEL_PATH "
            "to an artifact directory"
        )
    try:
        import model

        return model.load_predictor(path if settings.model_path else None)
    except Exception as err:  # noqa: BLE001 - any loader failure is a setup problem
        raise StartupError(
            f"could not load the model artifact at {path} ({_one_line(err)}): retrain it with "
            "`make train` or point MODEL_PATH at a complete artifact"
        ) from err


def _quiet_logger() -> logging.Logger:
    logger = logging.getLogger("bot.preflight")
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


def check_slack_auth(settings: Settings) -> dict:
    """Call ``auth.test`` with the bot token; raise ``StartupError`` saying what is wrong."""
    client = WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=max(1, round(settings.slack_timeout_seconds)),
        logger=_quiet_logger(),
    )
    try:
        return client.auth_test().data  # type: ignore[return-value]
    except SlackApiError as err:
        code = err.response.get("error") if isinstance(err.response.data, dict) else None
        raise StartupError(
            f"Slack rejected SLACK_BOT_TOKEN ({code or err.response.status_code}): copy the Bot "
            "User OAuth Token (xoxb-...) again from OAuth & Permissions and reinstall the app "
            "to your workspace"
        ) from err
    except Exception as err:  # noqa: BLE001 - connection refused, DNS, timeout
        raise StartupError(
            f"cannot reach the Slack Web API at {settings.slack_api_url} ({_one_line(err)}): "
            "check SLACK_API_URL and the network"
        ) from err
