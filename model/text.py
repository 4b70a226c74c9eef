"""Text normalization and tokenizing shared by training and serving.

Pure Python on purpose: no TensorFlow, no numpy, so it is trivially testable and the two sides
cannot drift apart. Reviews arrive with HTML line breaks and entities; chat arrives with curly
apostrophes and contractions. Both end up as the same lower-case word tokens.
"""

from __future__ import annotations

import html
import re
import unicodedata

from model.workplace import KILL_COMMAND, rewrite_jargon

# Longest text we tokenize; beyond this a message is not chat and a review is long enough.
MAX_CHARS = 20_000

_BR = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# "7/10", "4 / 5": a score is a strong signal in reviews and in chat ("10/10 would buy again"),
# unlike other numbers, which are dropped. It becomes one token such as "7of10".
_SCORE = re.compile(r"(?<![\d./])(\d{1,2})(?:\.\d+)?\s*/\s*(10|5)(?!\d|\.\d|\s*/)")
# Contractions spelled out in one pass: "can't" -> "can not", "don't"/"dont" -> "do not",
# "won't" -> "will not", "n't" -> " not", "'re" -> " are", ..., possessive "'s" dropped.
_CONTRACTION = re.compile(
    r"\b(?:(can|won|shan|ain)'?t|(do|does|did|is|are|was|were|has|have|had|could|would|should"
    r"|must|need|might)n'?t|(i)'m)\b|n't\b|'(re|ve|ll|d|s)\b"
)
_NOT_BASE = {"can": "can", "won": "will", "shan": "shall", "ain": "is"}
_SUFFIXES = {"re": " are", "ve": " have", "ll": " will", "d": " would", "s": ""}


def _expand(match: re.Match[str]) -> str:
    irregular, regular, i_am, suffix = match.groups()
    if irregular:
        return _NOT_BASE[irregular] + " not"
    if regular:
        return regular + " not"
    if i_am:
        return "i am"
    if suffix:
        return _SUFFIXES[suffix]
    return " not"


# Words (letters or digits of any script), plus "!" and "?" which carry tone in short text.
_TOKEN = re.compile(r"[^\W_]+|[!?]")
TOKEN_PATTERN = _TOKEN  # what a token is, for code that needs its position in the text
# Tokens that count as punctuation, not words, when a caller asks how many words a text has.
PUNCTUATION_TOKENS = frozenset({"!", "?"})


# Emoji are tokens of their own in chat: each pictograph becomes "emoji" + its code point in hex
# (🎉 -> "emoji1f389") and each Slack shortcode "emoji" + its name's letters and digits
# (":tada:" -> "emojitada", ":+1:" -> "emojiplus1"). One token per emoji keeps "🎉🎉🎉" from
# turning into "party, party, party"; the artifact's emoji table (``model.emoji``) knows both
# spellings of an emoji, what it is worth and how to show it. Skin tones, variation selectors
# and zero-width joiners are dropped: they do not change what an emoji says.
EMOJI_PREFIX = "emoji"
_EMOJI = re.compile("[\u2600-\u27bf\u2b50\u2b55\U0001f300-\U0001faff]")
_EMOJI_SILENT = frozenset(
    [chr(c) for c in range(0x1F3FB, 0x1F400)] + ["\ufe0f", "\ufe0e", "\u200d", "\u20e3"]
)
# A Slack shortcode has a letter (or is :+1: / :-1:), so "10:30:45" survives; a skin tone may
# follow. Not right after a word or a colon, so "http://a:b:" stays a URL.
SHORTCODE = re.compile(
    r"(?<![\w:]):((?=[a-z0-9_+'-]*[a-z])[a-z0-9_+'-]{1,60}|[+-]1):(?::skin-tone-[2-6]:)?", re.I
)
_SIGNS = {"+": "plus", "-": "minus"}
# "kill -9 <pid>": a signal to a process, whatever follows (see ``model.workplace``).
_KILL_SIGNAL = re.compile(r"\bkill\s+-(?:\d{1,2}|[a-z]{3,4})\b")
_EMOJI_FILLER = frozenset(
    "face with and of sign symbol heavy black white medium small large mark open mouth eyes "
    "smiling-eyes variation selector hands hand person sign the on in".split()
)
_EMOJI_ALIASES = {
    "+1": "thumbs up",
    "-1": "thumbs down",
    "thumbsup": "thumbs up",
    "thumbsdown": "thumbs down",
}


def emoji_token(char: str) -> str:
    """The token of one pictograph: "emoji" + its code point in lower-case hex."""
    return f"{EMOJI_PREFIX}{ord(char):x}"


def shortcode_token(name: str) -> str:
    """The token of a Slack shortcode's name (``tada``, ``+1``, ``party-parrot``)."""
    name = name.strip(":").lower()
    if name in ("+1", "-1"):
        return f"{EMOJI_PREFIX}{_SIGNS[name[0]]}1"
    return EMOJI_PREFIX + "".join(c for c in name if c.isascii() and c.isalnum())


def emoji_words(name: str) -> str:
    """The meaningful words of an emoji's Unicode name or Slack code (``slightly_smiling_face``).

    Kept for callers that want to describe an emoji in words; the tokenizer uses tokens.
    """
    name = name.strip(":").lower()
    name = _EMOJI_ALIASES.get(name, name)
    words = re.split(r"[\s_:-]+", name)
    return " ".join(w for w in words if w.isalpha() and w not in _EMOJI_FILLER)


def _emoji_to_token(match: re.Match[str]) -> str:
    char = match.group(0)
    return " " if char in _EMOJI_SILENT else f" {emoji_token(char)} "


def _shortcode_to_token(match: re.Match[str]) -> str:
    return f" {shortcode_token(match.group(1))} "


# Typed emoticons, the same idea: ":)" is a smile.
_EMOTICONS = [
    (re.compile(r"(?<!\S)[:;=]-?(?:[)\]]+|d+|D+)(?!\S)|(?<!\S)\(-?[:;=](?!\S)"), " smiling "),
    (re.compile(r"(?<!\S)[:;=]'?-?[(\[]+(?!\S)|(?<!\S)\)-?[:;=](?!\S)"), " frowning "),
    (re.compile(r"(?<!\S)<3+(?!\S)"), " heart "),
]


def normalize(text: str) -> str:
    """Lower-case plain text: HTML breaks, tags and entities gone, contractions spelled out."""
    # Each step runs only when its trigger character is present: chat messages are short and
    # mostly plain ASCII, and this is the serving hot path.
    text = text[:MAX_CHARS]
    if "<" in text:
        text = _BR.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    ascii_only = text.isascii()
    if not ascii_only:
        text = _EMOJI.sub(_emoji_to_token, text)
        if "\u200d" in text or "\ufe0f" in text:
            text = text.replace("\u200d", " ").replace("\ufe0f", "")
    if ":" in text:
        text = SHORTCODE.sub(_shortcode_to_token, text)
    if ":" in text or "<" in text or "(" in text:
        for pattern, replacement in _EMOTICONS:
            text = pattern.sub(replacement, text)
    if not ascii_only:
        text = unicodedata.normalize("NFKC", text.translate(_APOSTROPHES))
    if "`" in text or not ascii_only:
        text = text.translate(_APOSTROPHES)
    text = text.lower()
    if "kill -" in text:
        text = _KILL_SIGNAL.sub(KILL_COMMAND, text)
    if "/" in text:
        text = _SCORE.sub(r" \1of\2 ", text)
    return _CONTRACTION.sub(_expand, text)


def tokenize(text: str) -> list[str]:
    """The tokens the word index and the model see, in order.

    Bare numbers are dropped: in reviews "10" is a rating, in chat it is a time or a count.
    Kill-as-a-command becomes one neutral token (``model.workplace.rewrite_jargon``).
    """
    return rewrite_jargon(
        [token for token in _TOKEN.findall(normalize(text)) if not token.isdigit()]
    )


def word_count(tokens: list[str]) -> int:
    """How many of the tokens are words (not "!" or "?")."""
    return sum(1 for token in tokens if token not in PUNCTUATION_TOKENS)
