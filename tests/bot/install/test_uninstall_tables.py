"""Which tables an uninstall clears: every table with a ``team_id``, found in the database,
including one a later migration adds; another workspace's rows stay."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table

from bot.install.crypto import TokenCipher
from bot.install.store import EncryptedInstallationStore
from bot.install.uninstall import delete_workspace, revoked_bot, workspace_tables
from bot.mood.workspace import Workspace
from bot.storage import schema
from bot.storage.engine import make_engine
from bot.storage.migrate import migrate
from tests.bot.install.helpers import KEY, rows_of, seed_every_table
from tests.bot.install.oauth_slack import CLIENT_ID


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
