"""One module per Slack surface, each with a ``register(app, deps)`` like Bolt's starter apps.

No listener module imports another (tests/test_architecture.py checks it); what two of them
share lives below them (``bot.deps``, ``bot.mood``, ``bot.digests``, ``bot.slack``).
"""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from bot.listeners import (
    backfill,
    commands,
    digests,
    feedback,
    home,
    mentions,
    messages,
    mood,
    other_events,
    shortcuts,
    status,
    uninstall,
)


def register_listeners(app: App, deps: Deps) -> None:
    """Attach every surface's listeners to ``app``.

    Order matters for the slash command. Bolt tries listeners in the order they were
    registered and runs the first whose matchers all return True: ``App.dispatch`` in
    slack_bolt/app/app.py (slack-bolt 1.30.0) loops ``for listener in self._listeners: if
    listener.matches(req=req, resp=resp): ...`` and returns the listener's response (the ack,
    with ``process_before_response=True``), and ``Listener.matches``
    (slack_bolt/listener/listener.py) is False as soon as one matcher is. So each feature's
    ``/sentiment`` listener, matched by its own parser (claims are disjoint:
    tests/bot/listeners/test_commands.py), comes before ``commands``' catch-all, which has no
    matcher and takes help, usage help and text to analyse.

    The ``message`` and ``app_mention`` listeners come first: no other listener takes those two
    event types, and a channel message (most of what a busy workspace sends) then matches the
    first listener Bolt tries, before the ack, instead of the seventh.
    """
    messages.register(app, deps)
    mentions.register(app, deps)
    backfill.register(app, deps)  # /sentiment mood backfill
    digests.register(app, deps)  # /sentiment digest ...
    mood.register(app, deps)  # /sentiment mood ..., optout, optin
    status.register(app, deps)  # /sentiment status
    commands.register(app, deps)  # /sentiment: the rest (after every command listener above)
    shortcuts.register(app, deps)
    home.register(app, deps)
    feedback.register(app, deps)
    uninstall.register(app, deps)  # multi-workspace mode only
    other_events.register(app, deps)  # last: whatever the others did not take
