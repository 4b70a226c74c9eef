"""The mood chart, one place for every surface (``/sentiment mood``, the Home tab, digests).

- ``blocks``: Slack's data visualization blocks (Slack draws them; no upload, no ``files:write``):
  7- and 30-day replies, the Home tab, digests.
- ``draw``: the PNG (matplotlib, imported on first draw), for 90 days (more than a block's 20
  categories).
- ``upload``: Slack's upload flow into a DM or channel (the 90-day PNG, the export CSV).

This package file imports nothing, so importing a listener costs neither matplotlib nor
SQLAlchemy.
"""
