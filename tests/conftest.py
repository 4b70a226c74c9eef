"""Shared fixtures: the real IMDB dataset, for the tests marked ``dataset``.

The dataset is not in the repository. ``IMDB_DATA`` names it; unset means "not configured here"
and those tests skip, while a set but wrong path is a broken setup (CI) and fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from model.data import ENV_VAR, Split, load_imdb


@pytest.fixture(scope="session", autouse=True)
def slack_connections_kept_alive() -> None:
    """Every Web API call in the test process goes the way it goes in the bot: over the kept-alive
    connections ``bootstrap`` installs (``bot.slack.keepalive``), whichever test runs first."""
    from bot.slack.keepalive import use_keepalive

    use_keepalive()


@pytest.fixture(scope="session")
def imdb_path() -> Path:
    """The configured ``aclImdb_v1.tar.gz`` (or unpacked folder) named by ``IMDB_DATA``."""
    value = os.environ.get(ENV_VAR, "")
    if not value.strip():
        pytest.skip(
            f"IMDB dataset not configured: set {ENV_VAR}=/path/to/aclImdb_v1.tar.gz "
            "(download it with `python scripts/download_data.py`)"
        )
    path = Path(value).expanduser()
    if not path.exists():
        pytest.fail(
            f"{ENV_VAR}={value} does not exist: point {ENV_VAR} at aclImdb_v1.tar.gz (or unset it "
            "to skip the dataset tests); download it with `python scripts/download_data.py`",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def imdb_data(imdb_path: Path) -> dict[str, Split]:
    """Both labelled splits of the real dataset, read once per test session."""
    return load_imdb(imdb_path)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (``CI`` set, as ``.ci/run`` runs), a test skipped for a missing service fails.

    On a fresh machine redis-server or PostgreSQL may be absent and those tests skip with how to
    install them; CI installs both, so a skip there means the suite did not test what it claims.
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and "not installed" in str(report.longrepr):
        report.outcome = "failed"
