"""Which tables an uninstall clears: every table with a ``team_id``, found in the database,
including one a later migration adds; another workspace's rows stay."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk.oauth.installation_store.models.bot import Bot
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from bot.install.crypto import TokenCipher
from bot.install.store import EncryptedInstallationStore, installed_among
from bot.install.uninstall import delete_workspace, revoked_bot, workspace_tables
from bot.mood.record import MoodRecorder
from bot.mood.workspace import Workspace
from bot.storage import schema
from bot.storage.engine import make_engine
from bot.storage.migrate import migrate
from tests.bot.install.helpers import KEY, rows_of, seed_every_table
from tests.bot.install.oauth_slack import CLIENT_ID

PROBABILITIES = {"positive": 0.7, "negative": 0.1, "neutral": 0.2}


def test_every_scoped_table_and_a_future_one_are_cleared_for_one_workspace_only(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    declared = {t.name for t in schema.metadata.tables.values() if "team_id" in t.c}
    assert declared <= set(workspace_tables(engine))
    future = Table(
        "future_feature_rows",  # as a later migration might add it
        MetaData(),
        *schema.scope_columns(Column("thing", String(32), primary_key=True)),
        Column("count", Integer, nullable=False),
    )
    future.create(engine)
    assert "future_feature_rows" in workspace_tables(engine)
    for team in ("TAAAA0001", "TBBBB0001"):
        assert "future_feature_rows" in seed_every_table(engine, team)
    store = EncryptedInstallationStore(CLIENT_ID, engine, TokenCipher(KEY))
    delete_workspace(engine, store, Workspace("TAAAA0001"))
    assert not any(rows_of(engine, "TAAAA0001").values())
    kept = rows_of(engine, "TBBBB0001")
    assert all(kept[name] == 1 for name in kept if not name.startswith("slack_"))
    engine.dispose()


def test_only_a_bot_user_named_in_tokens_bot_counts_as_the_bot_revoked():
    assert revoked_bot({"bot": ["UBOT1"]}, ["UBOT1"])
    assert not revoked_bot({"oauth": ["UBOT1"]}, ["UBOT1"])
    assert not revoked_bot({"bot": ["UOTHER"]}, ["UBOT1"])
    assert not revoked_bot({"bot": [""]}, [""])


def _bot(team: str | None, enterprise: str | None = None, org_wide: bool = False) -> Bot:
    return Bot(
        app_id="A1",
        enterprise_id=enterprise,
        team_id=team,
        bot_token=f"xoxb-{team or enterprise}",
        bot_id="B1",
        bot_user_id="UBOT1",
        is_enterprise_install=org_wide,
        installed_at=1.0,
    )


def test_counts_held_by_another_process_are_not_written_after_the_uninstall(database_url):
    """Process 2 still holds counts of a workspace process 1 uninstalled: its next flush leaves
    them out (and says so), while another workspace's counts, and an org-wide install's member
    workspace's, are written."""
    engine = make_engine(database_url)
    migrate(engine)
    store = EncryptedInstallationStore(CLIENT_ID, engine, TokenCipher(KEY))
    for bot in (_bot("TAAAA0001"), _bot("TBBBB0001"), _bot(None, "EORG1", org_wide=True)):
        store.save_bot(bot)
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    recorder = MoodRecorder(engine, ZoneInfo("UTC"), clock=lambda: now)
    recorder.keep = partial(installed_among, store)
    workspaces = [Workspace("TAAAA0001"), Workspace("TBBBB0001"), Workspace("TMEMBER1", "EORG1")]
    for workspace in workspaces:
        for user in ("U1", "U2", "U3"):
            recorder.add(workspace, "C1", str(now.timestamp()), user, PROBABILITIES, 1)
    delete_workspace(engine, store, Workspace("TAAAA0001"))  # process 1's uninstall
    assert recorder.flush()
    with engine.connect() as conn:
        teams = {row.team_id for row in conn.execute(select(schema.mood_days))}
    assert teams == {"TBBBB0001", "TMEMBER1"}
    assert recorder.pending == 0 and recorder.flushed_messages == 6
    engine.dispose()


def test_without_the_filter_the_held_counts_would_come_back(database_url):
    """The negative control: the same flush with no ``keep`` writes the uninstalled workspace."""
    engine = make_engine(database_url)
    migrate(engine)
    store = EncryptedInstallationStore(CLIENT_ID, engine, TokenCipher(KEY))
    store.save_bot(_bot("TAAAA0001"))
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)
    recorder = MoodRecorder(engine, ZoneInfo("UTC"), clock=lambda: now)
    recorder.add(Workspace("TAAAA0001"), "C1", str(now.timestamp()), "U1", PROBABILITIES, 1)
    delete_workspace(engine, store, Workspace("TAAAA0001"))
    assert recorder.flush()
    assert rows_of(engine, "TAAAA0001")["mood_days"] == 1
    engine.dispose()
