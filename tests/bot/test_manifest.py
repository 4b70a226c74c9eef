"""The Slack app manifest asks for exactly what the code uses."""

from __future__ import annotations

import json
from pathlib import Path

from bot.settings import Settings

MANIFEST = json.loads((Path(__file__).resolve().parents[2] / "slack_manifest.json").read_text())


def test_slash_command_matches_the_default_setting():
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == Settings().sentiment_command
    # Escaped mentions and channels arrive as <@U..>/<#C..> tokens, which the cleaner removes.
    assert command["should_escape"] is True


def test_events_and_scopes_cover_every_surface():
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    # app_uninstalled / tokens_revoked: multi-workspace mode deletes the workspace's data.
    assert events == {
        "app_mention",
        "message.channels",
        "message.groups",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    }
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    # app_mention needs app_mentions:read; message.* and conversations.replies need *:history;
    # chat.postMessage needs chat:write; reactions.add needs reactions:write. /sentiment mood:
    # conversations.info/members need channels:read/groups:read, the chart upload files:write,
    # conversations.open (the asker's DM) im:write.
    assert scopes == {
        "channels:read",
        "groups:read",
        "files:write",
        "im:write",
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "chat:write",
        "commands",
        "reactions:write",
        # (channels:read/groups:read also cover users.conversations, the Home tab's channels)
        # who may change workspace-wide settings: users.info (admin/owner) and
        # usergroups.users.list (MOOD_ADMIN_GROUP)
        "users:read",
        "usergroups:read",
    }


def test_socket_mode_is_on_so_install_needs_no_public_url():
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert MANIFEST["features"]["bot_user"]["always_online"] is True


def test_home_tab_shortcut_and_interactivity_match_the_listeners():
    from bot.listeners.shortcuts import CALLBACK_ID

    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    (shortcut,) = MANIFEST["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == CALLBACK_ID
    assert shortcut["name"] == "Analyze sentiment"
    # block_actions (the Home tab's button) and message_action need interactivity on.
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
