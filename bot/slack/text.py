"""Turn Slack's message markup into the plain words a sentiment model should see.

Pure string functions: no Slack SDK, no numpy, so they are cheap to import and to test. Slack
sends text with its own markup (``<@U123>`` mentions, ``<https://x|label>`` links, ``&amp;``
escapes, code spans, quotes); none of it is the author's sentiment, and an IMDB-trained model
would only count it as unknown words. ``:emoji:`` codes are the exception: ``:tada:`` or ``:+1:``
say how the author feels, so they reach the model intact (its tokenizer and emoji table read
them); only a skin-tone suffix is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from model.text import MAX_CHARS

# Slack allows 40,000 characters in a message; the model reads at most MAX_CHARS of a text, so
# nothing longer than that ever needs cleaning. Capping first bounds every pattern below.
MAX_TEXT_CHARS = MAX_CHARS

_CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
# ">>>" quotes everything after it; ">" quotes one line. Slack sends ">" escaped as "&gt;".
_QUOTE_REST = re.compile(r"^[ \t]*(?:&gt;|>){3}.*\Z", re.S | re.M)
_QUOTE_LINE = re.compile(r"^[ \t]*(?:&gt;|>).*$", re.M)
_ANGLE = re.compile(r"<([^<>\n]*)>")
# An emoji code has a letter (or is :+1: / :-1:), so "10:30:45" survives; skin tones follow.
_EMOJI = re.compile(r":(?:[+-]1|(?=[a-z0-9_+'-]*[a-z])[a-z0-9_+'-]+):(?::skin-tone-[2-6]:)?", re.I)
# Formatting marks around words: *bold*, _italic_, ~strike~. Each maximal run of marks is
# matched once (no lookarounds to backtrack over, so a 40,000-character run of "_" between two
# words costs one pass); _format_replacement then decides from its neighbours.
_FORMAT_RUN = re.compile(r"[*_~]+")
_SPACES = re.compile(r"\s+")
_HEART = re.compile(r"<3+")  # the typed heart, a word like any emoji

HELP_WORDS = frozenset({"help", "-h", "--help", "?"})
# macOS and iOS turn "--" into an em or en dash as people type, so accept those too.
_PUBLIC_FLAG = re.compile(r"(?:^|\s)(?:--|\u2014|\u2013)public(?=\s|$)", re.I)


def _angle_replacement(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith(("@", "#")):
        return " "  # user and channel mentions: names, not sentiment
    if target.startswith("!"):
        # <!date^...|fallback> carries readable text; <!here>, <!subteam^S1|@team> do not.
        return f" {label} " if target.startswith("!date") and label else " "
    return f" {label} " if label else " "  # links: keep a human label, drop a bare URL


def _emoji_replacement(match: re.Match[str]) -> str:
    code = match.group(0).split("::")[0]  # drop a skin-tone suffix
    return f" {code}: " if not code.endswith(":") else f" {code} "


def _strip_marks(text: str) -> str:
    """Drop mark runs that touch a non-word side (``*bold*``); keep ``snake_case``, ``a*b``."""

    def replace(match: re.Match[str]) -> str:
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if _is_word_char(before) and _is_word_char(after):
            return match.group(0)
        return " "

    return _FORMAT_RUN.sub(replace, text)


def _protect_codes(text: str) -> str:
    """``_strip_marks`` outside emoji codes: ``:raised_hands:`` keeps its underscore, ``*a*``
    loses its stars."""
    out, last = [], 0
    for match in _EMOJI.finditer(text):
        out.append(_strip_marks(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_strip_marks(text[last:]))
    return "".join(out)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def unescape(text: str) -> str:
    """Undo the three HTML escapes Slack applies; ``&amp;`` last so ``&amp;lt;`` stays ``&lt;``."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clean(text: str | None) -> str:
    """Return the words of a Slack message: markup, code and quotes removed, emoji as words.

    Linear in the length of the text, which is first cut to ``MAX_TEXT_CHARS``.
    """
    if not text:
        return ""
    text = text[:MAX_TEXT_CHARS]
    text = _CODE_BLOCK.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _QUOTE_REST.sub(" ", text)
    text = _QUOTE_LINE.sub(" ", text)
    text = _ANGLE.sub(_angle_replacement, text)
    text = _EMOJI.sub(_emoji_replacement, text)
    # The model's tokenizer strips "<...>" spans as HTML tags (IMDB reviews carry <br />), so a
    # literal "<3" would swallow every word up to a later ">": drop the brackets themselves.
    text = _HEART.sub(" heart ", unescape(text)).replace("<", " ").replace(">", " ")
    text = _protect_codes(text)
    # Emoji codes gain spaces around them, so the output can outgrow the input: cap it again.
    return _SPACES.sub(" ", text).strip()[:MAX_TEXT_CHARS]


def mentions_user(text: str | None, user_id: str | None) -> bool:
    """True when the raw Slack text mentions ``user_id`` (``<@U1>`` or ``<@U1|name>``)."""
    if not text or not user_id or len(user_id) > 64:
        return False
    return f"<@{user_id}>" in text or f"<@{user_id}|" in text


@dataclass(frozen=True)
class CommandArgs:
    """What a ``/sentiment`` invocation asked for."""

    help: bool
    public: bool
    text: str


def parse_command(text: str | None) -> CommandArgs:
    """Split ``/sentiment [--public] TEXT`` into flags and the text to analyse.

    An empty text or a lone ``help`` asks for usage; ``--public`` (anywhere, also typed as an
    em dash by autocorrect) shares the result with the channel.
    """
    raw = (text or "")[:MAX_TEXT_CHARS].strip()
    public = bool(_PUBLIC_FLAG.search(raw))
    if public:
        raw = _PUBLIC_FLAG.sub(" ", raw).strip()
    if not raw or raw.lower() in HELP_WORDS:
        return CommandArgs(help=True, public=public, text="")
    return CommandArgs(help=False, public=public, text=raw)
