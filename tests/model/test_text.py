"""model.text: properties of normalize/tokenize that training and serving rely on."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from model.text import MAX_CHARS, PUNCTUATION_TOKENS, normalize, tokenize

SETTINGS = settings(deadline=None, max_examples=200)
TOKEN = re.compile(r"[^\W_]+|[!?]")

# Every code point, lone surrogates included (what a broken client or a bad decode can send).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=80)
# No HTML: "&" starts entities and "<" tags, both decoded/stripped one level per pass.
NO_HTML = st.text(st.characters(exclude_categories=(), exclude_characters="&<"), max_size=80)
# Fragments that exercise the HTML, apostrophe, contraction and number rules together.
FRAGMENTS = st.lists(
    st.sampled_from(
        [
            " ",
            "a",
            "b",
            "s",
            "t",
            "n",
            "I",
            "m",
            "don",
            "can",
            "won",
            "is",
            "it",
            "!",
            "?",
            ".",
            "1",
            "10",
            "'",
            "\u2019",
            "`",
            "<br />",
            "<br>",
            "<BR/>",
            "\n",
            "\t",
            "\u00a0",
            "\u00e9",
            "\u00c9",
            "\u00df",
            "\U0001f600",
            "\ud800",
        ]
    ),
    max_size=25,
).map("".join)
# Apostrophe-less contractions that tokenize spells out, like "dont" and "cant".
_CONTRACTED = re.compile(
    r"(can|won|shan|ain|(do|does|did|is|are|was|were|has|have|had|could"
    r"|would|should|must|need|might)n)t"
)
LOWER = "abcdefghijklmnopqrstuvwxyz"
WORDS = st.lists(st.text(LOWER, min_size=1, max_size=8), min_size=1, max_size=8)


def _well_formed(tokens: list[str]) -> None:
    for token in tokens:
        assert TOKEN.fullmatch(token), token
        assert token == token.lower(), token
        assert not any(c.isspace() for c in token), token
        assert not token.isdigit(), token


# Robustness ---------------------------------------------------------------------------------


@SETTINGS
@given(st.one_of(ANY_TEXT, FRAGMENTS))
@example("\ud800\udfff\ud83d")  # lone and reversed surrogates
@example("\U0001f600\u200d\U0001f4a9\ufe0f")  # emoji sequences
@example("\x00\x1b[31m\r\n")
@example("&#0; &#x110000; &#xd800; &bogus; &amp")  # odd entities
def test_tokenize_never_raises_and_tokens_are_well_formed(text: str) -> None:
    tokens = tokenize(text)
    assert isinstance(tokens, list)
    _well_formed(tokens)
    assert isinstance(normalize(text), str)


@settings(deadline=None, max_examples=25)
@given(st.text(min_size=1, max_size=40).map(lambda s: s * (3 * MAX_CHARS // len(s) + 1)))
def test_huge_input_is_capped(text: str) -> None:
    assert len(text) > MAX_CHARS
    assert tokenize(text) == tokenize(text[:MAX_CHARS])


def test_huge_input_is_fast() -> None:
    text = "a great movie <br /> " * 500_000  # 10 MB of chat
    tokens = tokenize(text)
    assert 0 < len(tokens) <= MAX_CHARS // 2
    assert tokenize("x" * 10_000_000) == ["x" * MAX_CHARS]


# Normalize then tokenize --------------------------------------------------------------------


@SETTINGS
@given(st.one_of(NO_HTML, FRAGMENTS.filter(lambda s: "<" not in s)))
def test_tokenize_of_normalized_text_is_the_same(text: str) -> None:
    assert tokenize(normalize(text)) == tokenize(text)


def test_html_is_decoded_one_level_per_pass() -> None:
    """Why the property above excludes "&" (and "<"): normalize decodes one HTML level only."""
    assert tokenize("&amp;amp;") == ["amp"]  # "&amp;amp;" is the text "&amp;"
    assert tokenize(normalize("&amp;amp;")) == []
    assert tokenize("&amp;lt;i&amp;gt;ok") == ["lt", "i", "gt", "ok"]


@SETTINGS
@given(WORDS)
def test_plain_lower_case_words_pass_through(words: list[str]) -> None:
    plain = [w for w in words if not _CONTRACTED.fullmatch(w)]  # "dont" -> "do not" is wanted
    assert tokenize(" ".join(plain)) == plain


# HTML ---------------------------------------------------------------------------------------


@SETTINGS
@given(
    ANY_TEXT | FRAGMENTS,
    ANY_TEXT | FRAGMENTS,
    st.sampled_from(["<br />", "<br/>", "<br>", "<BR />", "< br / >", "<br  />"]),
)
def test_br_is_a_separator(left: str, right: str, br: str) -> None:
    assert tokenize(left + br + right) == tokenize(left + " " + right)


@SETTINGS
@given(WORDS, WORDS)
def test_br_splits_words_it_glues_together(left: list[str], right: list[str]) -> None:
    glued = " ".join(left) + "<br /><br />" + " ".join(right)
    assert tokenize(glued) == tokenize(" ".join(left)) + tokenize(" ".join(right))


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Great movie.<br /><br />Loved it", ["great", "movie", "loved", "it"]),
        ("good<br/>bad", ["good", "bad"]),
        ("<i>Superb</i> acting", ["superb", "acting"]),
        ("&quot;Great&quot; &amp; fun", ["great", "fun"]),
        ("didn&#39;t like it", ["did", "not", "like", "it"]),
        ("caf&eacute; scene", ["café", "scene"]),
        ("a&nbsp;b", ["a", "b"]),
    ],
)
def test_html_examples(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    "text",
    [
        "I <3 this movie, best film ever > all the rest",
        "I &lt;3 this movie, best film ever &gt; all the rest",  # as Slack sends it
    ],
)
def test_angle_brackets_that_are_not_tags_keep_their_words(text: str) -> None:
    assert tokenize(text)[:6] == ["i", "heart", "this", "movie", "best", "film"]


# Case ---------------------------------------------------------------------------------------


@SETTINGS
@given(st.text(st.characters(codec="ascii", exclude_characters="&"), max_size=80))
def test_ascii_case_does_not_matter(text: str) -> None:
    assert tokenize(text.upper()) == tokenize(text.lower()) == tokenize(text)
    assert tokenize(text.swapcase()) == tokenize(text)


@SETTINGS
@given(st.text(st.characters(max_codepoint=0x24F, exclude_characters="&"), max_size=80))
def test_latin_text_is_lower_cased(text: str) -> None:
    # Only lower(): upper() is not reversible ("ß".upper() == "SS"), and entity names are
    # case-sensitive ("&nbsp;" is a space, "&NBSP;" is text), hence no "&".
    assert tokenize(text.lower()) == tokenize(text)


def test_case_examples() -> None:
    assert tokenize("GREAT Movie") == tokenize("great movie") == ["great", "movie"]
    assert tokenize("DIDN'T") == ["did", "not"]
    assert tokenize("ÉTÉ Ünïcödé") == ["été", "ünïcödé"]
    assert tokenize("ＦＵＬＬ width") == ["full", "width"]  # NFKC


# Contractions and apostrophes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("didn't", ["did", "not"]),
        ("don't", ["do", "not"]),
        ("doesn't", ["does", "not"]),
        ("isn't", ["is", "not"]),
        ("wasn't", ["was", "not"]),
        ("couldn't", ["could", "not"]),
        ("can't", ["can", "not"]),
        ("won't", ["will", "not"]),
        ("shan't", ["shall", "not"]),
        ("ain't", ["is", "not"]),
        ("I'm", ["i", "am"]),
        ("they're", ["they", "are"]),
        ("we've", ["we", "have"]),
        ("you'll", ["you", "will"]),
        ("she'd", ["she", "would"]),
        ("it's", ["it"]),
        ("the film's plot", ["the", "film", "plot"]),
        ("dont", ["do", "not"]),
        ("cant", ["can", "not"]),
        ("cannot", ["cannot"]),
        ("not good", ["not", "good"]),
        ("I didn't like it", ["i", "did", "not", "like", "it"]),
    ],
)
def test_contractions(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


WORDS_NT = ["did", "do", "is", "was", "could", "should", "had"]


@pytest.mark.parametrize("apostrophe", ["'", "\u2019", "\u2018", "\u02bc", "`", "\uff07"])
@pytest.mark.parametrize("word", WORDS_NT)
def test_every_apostrophe_spells_out_nt(apostrophe: str, word: str) -> None:
    assert tokenize(f"I {word}n{apostrophe}t like it") == ["i", word, "not", "like", "it"]
    assert tokenize(f"{word.upper()}N{apostrophe}T") == [word, "not"]
    assert tokenize(f"it{apostrophe}s {word}n{apostrophe}t") == ["it", word, "not"]


def test_acute_accent_as_apostrophe() -> None:
    # The module lists "\u00b4" among the apostrophes, as people type "didn\u00b4t".
    assert [tokenize(f"I {word}n\u00b4t like it") for word in WORDS_NT] == [
        ["i", word, "not", "like", "it"] for word in WORDS_NT
    ]


# Numbers and punctuation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("10/10 would watch 2 times", ["10of10", "would", "watch", "times"]),
        ("at 10:30 on 12/10/2020, 3.5 / 5", ["at", "on", "3of5"]),
        ("the 2nd half, in 3D", ["the", "2nd", "half", "in", "3d"]),
        ("Great!!! Really?", ["great", "!", "!", "!", "really", "?"]),
        ("Meh... (sigh) -- ok; fine: #1 @team", ["meh", "sigh", "ok", "fine", "team"]),
        ("snake_case words", ["snake", "case", "words"]),
        ("\u0661\u0662\u0663 \u00b2 \u2460", []),  # digits of any script are numbers too
        ("", []),
        ("   \n\t ", []),
        ("\U0001f600\U0001f44d", ["emoji1f600", "emoji1f44d"]),  # one token per emoji
        (":tada: :+1::skin-tone-2: 10:30:45", ["emojitada", "emojiplus1"]),
        ("\u2192 \u00a9", []),
        ("nice :) sad :( love <3", ["nice", "smiling", "sad", "frowning", "love", "heart"]),
    ],
)
def test_numbers_and_punctuation(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


@SETTINGS
@given(
    st.lists(
        st.text(LOWER, min_size=1, max_size=6)
        | st.text("0123456789", min_size=1, max_size=4)
        | st.sampled_from("!?"),
        max_size=12,
    ),
    st.sampled_from([" ", "  ", "\n", "\t", " \u00a0 ", ", ", ". "]),
)
def test_bare_numbers_dropped_words_and_marks_kept(parts: list[str], sep: str) -> None:
    tokens = tokenize(sep.join(parts))
    if not any(_CONTRACTED.fullmatch(p) for p in parts):
        assert tokens == [p for p in parts if not p.isdigit()]
    assert set(tokens) & PUNCTUATION_TOKENS <= set(parts)
