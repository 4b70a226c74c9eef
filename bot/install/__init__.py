"""Multi-workspace mode: OAuth install, tokens encrypted at rest, rotation, uninstall.

- ``crypto``: the Fernet keys of ``SLACK_TOKEN_ENCRYPTION_KEY`` (first encrypts, all decrypt).
- ``store``: slack_sdk's SQLAlchemy installation store, encrypting every token before it is
  written and decrypting after it is read.
- ``rotation``: refreshing expiring tokens once across processes (a lock per workspace), for
  Bolt's requests and for the jobs Slack never calls (digests, backfill).
- ``oauth``: Bolt's ``OAuthSettings`` for the install routes, scopes from slack_manifest.json.
- ``uninstall``: deleting every row a workspace left, in every table keyed by ``team_id``.

Nothing here is imported in single-token mode.
"""
