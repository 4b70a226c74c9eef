"""The artifact's emoji table: which emoji tokens the model knows, and how to show them.

``model.text`` turns 🎉 into the token "emoji1f389" and ``:tada:`` into "emojitada"; their
valences live in the lexicon (``lexicon.json``), merged at training time. This table
(``emoji.json``) says which tokens are emoji with a known sentiment, so that an emoji-only
message such as ":tada: :tada:" counts as known words, and how a key word shows them (":tada:"
or "🎉", never "emojitada"). Pure Python, read once at load time.
"""

from __future__ import annotations

import json
from pathlib import Path

from model.text import EMOJI_PREFIX


class EmojiTable:
    """Emoji token -> (valence, how to show it)."""

    def __init__(self, entries: dict[str, tuple[float, str]], source: dict | None = None):
        self.entries = dict(sorted(entries.items()))
        self.display = {token: shown for token, (_, shown) in self.entries.items()}
        self.source = source or {}

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, token: str) -> bool:
        return token in self.display

    def valences(self) -> dict[tuple[str, ...], float]:
        """The entries as lexicon keys."""
        return {(token,): value for token, (value, _) in self.entries.items()}

    def show(self, token: str) -> str:
        """How a reader sees a token: its emoji or shortcode if it is one, else the token."""
        if token.startswith(EMOJI_PREFIX):
            return self.display.get(token, token)
        return token

    def save(self, path: Path) -> None:
        rows = {token: [value, shown] for token, (value, shown) in self.entries.items()}
        path.write_text(
            json.dumps({"source": self.source, "tokens": rows}, ensure_ascii=False, indent=0),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, path: Path) -> EmojiTable:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {t: (float(v), str(s)) for t, (v, s) in data["tokens"].items()}
        return cls(entries, data.get("source"))
