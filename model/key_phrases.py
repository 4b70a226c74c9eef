"""Key words as a reader would name them, not as the n-gram features happen to fall.

The model's features are word pairs and triples over the token stream, which knows nothing of
sentences: "the demo is great, i think" yields the feature "great i". Shown to a person that
reads as noise. Here a feature becomes a key phrase only if it stays inside one clause, and it
loses the function words at its ends ("is terrible" -> "terrible", "what a waste" -> "waste"),
but never a negation ("not good" stays). Pure Python, linear in the text: the serving hot path.
"""

from __future__ import annotations

import re

from model.text import PUNCTUATION_TOKENS, TOKEN_PATTERN, normalize

# Characters between two tokens that end a clause. "!" and "?" are tokens of their own.
_BREAK_CHARS = re.compile(r"[.,;:()\[\]\n\u2026\u2013\u2014]|\s-\s")

# Function words a reader leaves out when naming what made a text positive or negative.
STOP_WORDS = frozenset(
    """
    a an the this that these those it its i me my we us our you your he him his she her they
    them their is am are was were be been being do does did has have had will would shall
    should can could may might must and or but so then than as of to in on at by for with
    from about into just also there here what which who whom whose when where
    how all any some such very really too more most much
    """.split()
)
# Never trimmed, even at a phrase's edge: they flip what follows.
NEGATORS = frozenset({"not", "no", "never", "nor", "without", "nothing", "nobody", "none"})


def clause_starts(text: str) -> frozenset[int]:
    """Indices (as ``tokenize`` counts tokens) of the tokens that begin a new clause."""
    normalized = normalize(text)
    starts: set[int] = set()
    index = 0
    previous_end = 0
    pending = False
    for match in TOKEN_PATTERN.finditer(normalized):
        token = match.group()
        if _BREAK_CHARS.search(normalized, previous_end, match.start()):
            pending = True
        previous_end = match.end()
        if token.isdigit():  # dropped by tokenize; a break before it still counts
            continue
        if pending and index:
            starts.add(index)
        pending = token in PUNCTUATION_TOKENS
        index += 1
    return frozenset(starts)


def reader_span(
    tokens: list[str], start: int, length: int, breaks: frozenset[int]
) -> tuple[int, int] | None:
    """The part of ``tokens[start:start+length]`` a reader would name, or None if nothing.

    None when the phrase runs across a clause break (its one-clause parts are candidates of
    their own) or holds nothing but function words and punctuation.
    """
    end = start + length
    if any(index in breaks for index in range(start + 1, end)):
        return None
    while start < end and _droppable(tokens[start]):
        start += 1
    while end > start and _droppable(tokens[end - 1]):
        end -= 1
    return (start, end - start) if end > start else None


def _droppable(token: str) -> bool:
    return token in PUNCTUATION_TOKENS or (token in STOP_WORDS and token not in NEGATORS)
