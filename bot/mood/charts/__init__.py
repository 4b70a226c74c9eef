"""The mood chart, one place for every surface (``/sentiment mood``, the Home tab, digests).

- ``draw``: the PNG (matplotlib, imported on first draw).
- ``upload``: Slack's upload flow, into a DM or channel (the command) or as the bot's own file
  shown by id (Home, digests). Slack only, no database.
- ``files``: the bot's own uploaded charts, remembered per channel and period until a new day
  closes (``chart_files``; SQLAlchemy).

This package file imports nothing, so importing a listener costs neither matplotlib nor
SQLAlchemy.
"""
