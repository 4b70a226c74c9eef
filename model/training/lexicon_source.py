"""VADER's lexicon, read from the installed ``vaderSentiment`` package (the ``[train]`` extra).

``vader_lexicon.txt`` rates about 7,500 words, slang and emoticons from -4 to +4 (Hutto &
Gilbert 2014; MIT licence, checked in the package's own LICENSE.txt). Each entry is tokenized
with the project's tokenizer, so ":)" becomes the token "smiling" just as it does in a message.
Entries that come out as single letters or digits (the remains of emoticons such as ":-p") are
dropped: they would match stray letters. Serving never imports this module; the resulting table
ships inside the artifact (``lexicon.json``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from importlib import metadata, resources

from model.lexicon import NEGATORS, Lexicon
from model.text import tokenize

PACKAGE = "vaderSentiment"
LEXICON_FILE = "vader_lexicon.txt"
LICENCE = "MIT"
# A kept token has at least this many characters, all letters.
MIN_TOKEN_CHARS = 2


class LexiconSourceError(Exception):
    """The lexicon package is missing or its licence is not the one recorded."""


def _licence_text() -> str:
    files = metadata.files(PACKAGE) or []
    for file in files:
        if file.name.upper().startswith("LICENSE"):
            return file.read_text(encoding="utf-8")
    raise LexiconSourceError(f"{PACKAGE} ships no LICENSE file: check its licence by hand")


def _keep(tokens: list[str]) -> bool:
    return bool(tokens) and all(t.isalpha() and len(t) >= MIN_TOKEN_CHARS for t in tokens)


def entries_from_text(text: str) -> dict[tuple[str, ...], float]:
    """Token tuple -> valence. Where several entries tokenize alike (":)" and "smiling"), the
    entry that is literally those words wins; otherwise, and for repeated entries, the mean."""
    exact: dict[tuple[str, ...], list[float]] = defaultdict(list)
    other: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) < 2:
            continue
        term, valence = fields[0], float(fields[1])
        tokens = tokenize(term)
        if not _keep(tokens) or (len(tokens) == 1 and tokens[0] in NEGATORS):
            continue
        key = tuple(tokens)
        (exact if " ".join(tokens) == term.lower() else other)[key].append(valence)
    out = {}
    for key in sorted(set(exact) | set(other)):
        values = exact.get(key) or other[key]
        out[key] = round(sum(values) / len(values), 4)
    return out


def load_vader() -> tuple[Lexicon, dict]:
    """VADER's lexicon as project tokens, and the record of where it came from."""
    try:
        version = metadata.version(PACKAGE)
        raw = (resources.files(PACKAGE) / LEXICON_FILE).read_bytes()
    except (metadata.PackageNotFoundError, ModuleNotFoundError, FileNotFoundError) as exc:
        raise LexiconSourceError(
            f"{PACKAGE} is not installed: pip install -e '.[train]' ({exc})"
        ) from exc
    licence = _licence_text()
    if "MIT License" not in licence:
        raise LexiconSourceError(f"{PACKAGE} {version}'s LICENSE is no longer the MIT licence")
    lexicon = Lexicon(entries_from_text(raw.decode("utf-8")))
    copyright_line = next((x.strip() for x in licence.splitlines() if "Copyright" in x), "")
    source = {
        "name": "VADER sentiment lexicon",
        "package": f"{PACKAGE} {version}",
        "file": LEXICON_FILE,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "licence": LICENCE,
        "copyright": copyright_line,
        "entries": len(lexicon),
        "reference": "Hutto & Gilbert, VADER, ICWSM 2014",
    }
    return lexicon, source
