"""Team mood over time: a private, per-channel-per-day record of the mood the bot already sees.

See ``bot/mood/README.md`` for the tables, the privacy design and the public functions.

- ``privacy``: keyed hashes (per-day author keys, the per-workspace opt-out key).
- ``days``: which calendar day a message belongs to (``MOOD_TIMEZONE``) and which days are closed.
- ``store``: every read and write of the mood tables.
- ``record``: the batched recorder the message listener feeds (flushed every second, on stop).
- ``service``: ``MoodService``, what the listeners hold: recorder, opt-out and channel caches.
- ``summary``: period summaries with the minimum-group-size rule applied (pure).
- ``chart``: the PNG chart (matplotlib, imported only when drawing).
- ``command`` / ``replies``: ``/sentiment mood|optout|optin`` parsing and wording (pure).

Nothing in this package is imported by the bot until the app is created.
"""
