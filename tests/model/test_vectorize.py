"""model.vectorize: the word index, n-grams and the feature vectorizer."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from model.text import PUNCTUATION_TOKENS, tokenize
from model.vectorize import (
    INDEX_FROM,
    OOV,
    PAD,
    RESERVED,
    START,
    Vectorizer,
    WordIndex,
    count_ngrams,
    ngrams,
)

SETTINGS = settings(deadline=None, max_examples=100)

# Tokens that tokenize() returns unchanged, so " ".join(tokens) is a text with those tokens.
VOCAB = ["good", "bad", "movie", "not", "great", "plot", "the", "a", "boring", "été", "!", "?"]
TOKEN = st.sampled_from(VOCAB)
DOC = st.lists(TOKEN, max_size=12)
CORPUS = st.lists(DOC, min_size=1, max_size=8)
# Arbitrary word-like tokens, for the word index on its own.
WORD = st.text("abcdefghij", min_size=1, max_size=4)
WORD_CORPUS = st.lists(st.lists(WORD, max_size=10), max_size=8)


def test_vocab_tokens_tokenize_to_themselves() -> None:
    assert tokenize(" ".join(VOCAB)) == VOCAB


# WordIndex ----------------------------------------------------------------------------------


def test_reserved_ids_are_keras_conventions() -> None:
    assert (PAD, START, OOV, INDEX_FROM) == (0, 1, 2, 3)
    assert RESERVED == {"<pad>": 0, "<start>": 1, "<unk>": 2}


@SETTINGS
@given(WORD_CORPUS, st.integers(1, 3))
def test_ids_are_contiguous_from_3_most_frequent_first(
    docs: list[list[str]], min_count: int
) -> None:
    counts = Counter(t for doc in docs for t in doc)
    index = WordIndex.build(docs, min_count=min_count)
    kept = {w for w, c in counts.items() if c >= min_count}
    assert set(index.words) == kept and len(index) == len(kept)
    assert sorted(index.ids.values()) == list(range(INDEX_FROM, INDEX_FROM + len(kept)))
    assert [index.ids[w] for w in index.words] == list(range(INDEX_FROM, INDEX_FROM + len(kept)))
    keys = [(-counts[w], w) for w in index.words]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)  # by count, ties alphabetical


@SETTINGS
@given(WORD_CORPUS, st.randoms(use_true_random=False))
def test_build_does_not_depend_on_order(docs: list[list[str]], rnd: random.Random) -> None:
    shuffled = [rnd.sample(doc, len(doc)) for doc in rnd.sample(docs, len(docs))]
    assert WordIndex.build(shuffled).words == WordIndex.build(docs).words
    assert WordIndex.build(iter(docs)).words == WordIndex.build(docs).words  # any iterable


@SETTINGS
@given(WORD_CORPUS, st.integers(0, 30))
def test_max_words_keeps_the_most_frequent(docs: list[list[str]], max_words: int) -> None:
    full = WordIndex.build(docs)
    limited = WordIndex.build(docs, max_words=max_words)
    assert limited.words == full.words[: max(0, max_words - INDEX_FROM)]
    assert all(i < max(max_words, INDEX_FROM) for i in limited.ids.values())


def test_build_example() -> None:
    index = WordIndex.build([["b", "a", "c", "a"], ["c", "a", "d"]])
    assert index.words == ["a", "c", "b", "d"]  # a:3, c:2, then b and d (1 each) alphabetically
    assert index.ids == {"a": 3, "c": 4, "b": 5, "d": 6}
    assert WordIndex.build([]).words == []


@SETTINGS
@given(
    st.lists(
        st.lists(WORD | st.sampled_from(["été", "日本", "!", "?", "naïve"]), max_size=10),
        max_size=8,
    )
)
def test_json_round_trip(docs: list[list[str]]) -> None:
    index = WordIndex.build(docs)
    mapping = index.to_json()
    assert {k: v for k, v in mapping.items() if v < INDEX_FROM} == RESERVED
    assert sorted(mapping.values()) == list(range(len(index) + INDEX_FROM))
    again = WordIndex.from_json(json.loads(json.dumps(mapping)))
    assert again.words == index.words and again.ids == index.ids


def test_save_and_load(tmp_path: Path) -> None:
    index = WordIndex.build([["great", "été", "great", "!"], ["日本", "bad"]])
    path = tmp_path / "word_index.json"
    index.save(path)
    assert "été" in path.read_text(encoding="utf-8")  # readable UTF-8, not \\u escapes
    loaded = WordIndex.load(path)
    assert loaded.words == index.words == ["great", "!", "bad", "été", "日本"]
    assert loaded.encode(["great", "日本", "zzz"]) == [1, 3, 7, 2]


@pytest.mark.parametrize(
    "mapping",
    [
        {"a": 3, "b": 5},  # a gap
        {"a": 3, "b": 3},  # a duplicate id
        {"a": 4},  # does not start at 3
    ],
)
def test_from_json_rejects_broken_indexes(mapping: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="without gaps"):
        WordIndex.from_json({**RESERVED, **mapping})


@SETTINGS
@given(WORD_CORPUS, st.lists(WORD, max_size=15), st.none() | st.integers(3, 20))
def test_encode(docs: list[list[str]], tokens: list[str], num_words: int | None) -> None:
    index = WordIndex.build(docs)
    encoded = index.encode(tokens, num_words=num_words)
    assert encoded[0] == START and len(encoded) == len(tokens) + 1
    limit = len(index) + INDEX_FROM if num_words is None else num_words
    for token, value in zip(tokens, encoded[1:], strict=True):
        known = index.ids.get(token)
        if known is not None and known < limit:
            assert value == known
        else:
            assert value == OOV
        assert PAD != value < limit and value != START


@SETTINGS
@given(WORD_CORPUS)
def test_encode_training_tokens_has_no_oov(docs: list[list[str]]) -> None:
    index = WordIndex.build(docs)
    for doc in docs:
        encoded = index.encode(doc)
        assert OOV not in encoded and [index.words[i - INDEX_FROM] for i in encoded[1:]] == doc


def test_encode_example() -> None:
    index = WordIndex.build([["good", "good", "movie", "bad"]])  # good 3, bad 4, movie 5
    assert index.encode(["good", "movie", "zzz"]) == [1, 3, 5, 2]
    assert index.encode(["good", "movie", "bad"], num_words=5) == [1, 3, 2, 4]  # 5 is past it
    assert index.encode([]) == [1]


# n-grams ------------------------------------------------------------------------------------


@SETTINGS
@given(DOC, st.integers(1, 4))
def test_ngrams(tokens: list[str], n: int) -> None:
    grams = ngrams(tokens, n)
    assert len(grams) == max(0, len(tokens) - n + 1)
    assert all(gram.split(" ") == tokens[i : i + n] for i, gram in enumerate(grams))
    if n == 1:
        assert grams == tokens


@SETTINGS
@given(CORPUS, st.integers(1, 4))
def test_count_ngrams_is_document_frequency(docs: list[list[str]], max_n: int) -> None:
    counts = count_ngrams(docs, max_n)
    expected: Counter[str] = Counter()
    for doc in docs:
        expected.update({g for n in range(2, max_n + 1) for g in ngrams(doc, n)})
    assert counts == expected
    assert all(2 <= len(g.split(" ")) <= max_n and c <= len(docs) for g, c in counts.items())


def test_count_ngrams_example() -> None:
    counts = count_ngrams([["not", "good", "not", "good"], ["not", "good"]], max_n=2)
    assert counts == {"not good": 2, "good not": 1}


# Vectorizer ---------------------------------------------------------------------------------


def term_of(vectorizer: Vectorizer, feature_id: int) -> str:
    """The word or n-gram behind a feature id (the inverse of ``Vectorizer.feature_id``)."""
    assert INDEX_FROM <= feature_id < vectorizer.num_features
    if feature_id >= vectorizer.num_words:
        return vectorizer.ngram_terms[feature_id - vectorizer.num_words]
    return vectorizer.word_index.words[feature_id - INDEX_FROM]


@st.composite
def vectorizers(draw: st.DrawFn, clamp: bool = True) -> tuple[Vectorizer, list[list[str]]]:
    docs = draw(CORPUS)
    index = WordIndex.build(docs)
    top = len(index) + INDEX_FROM
    num_words = draw(st.integers(INDEX_FROM, top if clamp else top + 20))
    max_n = draw(st.integers(1, 3))
    candidates = sorted(count_ngrams(docs, 3))
    terms = draw(st.lists(st.sampled_from(candidates), unique=True)) if candidates else []
    return Vectorizer(index, num_words=num_words, ngram_terms=terms, max_n=max_n), docs


def _check_features(vectorizer: Vectorizer, tokens: list[str]) -> None:
    text = " ".join(tokens)
    ids, known, words = vectorizer.features(text)
    assert (ids, known) == vectorizer.features_of_tokens(tokens)
    assert ids == sorted(set(ids))
    assert all(INDEX_FROM <= i < vectorizer.num_features for i in ids)
    assert words == sum(t not in PUNCTUATION_TOKENS for t in tokens)
    assert 0 <= known <= words
    present = {
        " ".join(tokens[i : i + n])
        for n in range(1, vectorizer.max_n + 1)
        for i in range(len(tokens) - n + 1)
    }
    for feature in ids:
        assert term_of(vectorizer, feature) in present  # the term names what was found
    expected = {
        vectorizer.word_index.ids[t]
        for t in tokens
        if vectorizer.word_index.ids.get(t, vectorizer.num_words) < vectorizer.num_words
    }
    assert {i for i in ids if i < vectorizer.num_words} == expected
    found_terms = {term_of(vectorizer, i) for i in ids if i >= vectorizer.num_words}
    assert found_terms == {
        t for t in vectorizer.ngram_terms if t in present and len(t.split(" ")) <= vectorizer.max_n
    }


@SETTINGS
@given(vectorizers(), DOC)
def test_features(built: tuple[Vectorizer, list[list[str]]], tokens: list[str]) -> None:
    vectorizer, docs = built
    assert vectorizer.num_features == vectorizer.num_words + len(vectorizer.ngram_terms)
    _check_features(vectorizer, tokens)
    for doc in docs:
        _check_features(vectorizer, doc)


@SETTINGS
@given(vectorizers())
def test_feature_terms_round_trip(built: tuple[Vectorizer, list[list[str]]]) -> None:
    vectorizer, _ = built
    for feature in range(INDEX_FROM, vectorizer.num_features):
        term = term_of(vectorizer, feature)
        ids, _, _ = vectorizer.features(term)
        assert feature in ids or len(term.split(" ")) > vectorizer.max_n


@SETTINGS
@given(vectorizers(clamp=False), DOC)
@example(
    (
        Vectorizer(
            WordIndex.build([["not", "good"]]), num_words=10, ngram_terms=["not good"], max_n=2
        ),
        [["not", "good"]],
    ),
    ["not", "good"],
)
def test_features_when_num_words_exceeds_the_vocabulary(
    built: tuple[Vectorizer, list[list[str]]], tokens: list[str]
) -> None:
    vectorizer, docs = built
    _check_features(vectorizer, tokens)


def test_ngram_ids_follow_the_clamped_vocabulary() -> None:
    index = WordIndex.build([["not", "good", "movie"]])
    vectorizer = Vectorizer(index, num_words=20_000, ngram_terms=["not good"], max_n=2)
    assert vectorizer.num_words == 6 and vectorizer.num_features == 7
    ids, _, _ = vectorizer.features("not good")
    assert ids == [3, 5, 6]  # good, not, then "not good" right after the 3 words
    assert term_of(vectorizer, 6) == "not good"


def test_not_good_differs_from_good() -> None:
    docs = [tokenize(t) for t in ["a good movie", "not good at all", "good good", "not bad"]]
    index = WordIndex.build(docs)
    terms = [g for g, _ in count_ngrams(docs, 2).most_common()]
    vectorizer = Vectorizer(index, num_words=len(index) + INDEX_FROM, ngram_terms=terms, max_n=2)
    good, _, _ = vectorizer.features("Good!")
    not_good, known, words = vectorizer.features("Didn't think it was NOT good")
    assert [term_of(vectorizer, i) for i in good] == ["good"]
    assert "not good" in [term_of(vectorizer, i) for i in not_good]
    assert (known, words) == (3, 7)  # not, not, good of did/not/think/it/was/not/good
    assert vectorizer.config() == {
        "num_words": len(index) + INDEX_FROM,
        "max_n": 2,
        "num_ngrams": len(terms),
    }


def test_known_words_do_not_count_punctuation() -> None:
    index = WordIndex.build([["great", "!", "!", "?"]])
    vectorizer = Vectorizer(index, num_words=100)
    ids, known, words = vectorizer.features("Great!!! Really?")
    assert [term_of(vectorizer, i) for i in ids] == ["!", "?", "great"]  # ids 3, 4, 5
    assert (known, words) == (1, 2)  # "great" of "great", "really"


def test_num_words_limits_word_features() -> None:
    index = WordIndex.build([["a", "a", "a", "b", "b", "c"]])  # a 3, b 4, c 5
    vectorizer = Vectorizer(index, num_words=5, ngram_terms=["a b"], max_n=2)
    ids, known, words = vectorizer.features("a b c")
    assert ids == [3, 4, 5]  # a, b, then "a b" at 5: c (id 5) is past num_words
    assert [term_of(vectorizer, i) for i in ids] == ["a", "b", "a b"]
    assert (known, words) == (2, 3)


def test_max_n_1_ignores_ngram_terms() -> None:
    index = WordIndex.build([["not", "good"]])
    vectorizer = Vectorizer(index, num_words=5, ngram_terms=["not good"], max_n=1)
    assert vectorizer.features("not good")[0] == [3, 4]


# The batch path ------------------------------------------------------------------------------


@SETTINGS
@given(vectorizers(clamp=False), st.lists(DOC, max_size=6))
def test_batch_features_are_the_per_text_features(
    built: tuple[Vectorizer, list[list[str]]], texts: list[list[str]]
) -> None:
    """One vectorizer, two paths: numpy over a batch finds exactly what analyze finds."""
    vectorizer, docs = built
    batch = texts + docs
    rows, features = vectorizer.batch_features(batch)
    assert list(rows) == sorted(rows)
    for row, tokens in enumerate(batch):
        assert features[rows == row].tolist() == vectorizer.features_of_tokens(tokens)[0]


def test_batch_features_of_nothing() -> None:
    vectorizer = Vectorizer(WordIndex.build([["good"]]), num_words=10, max_n=3)
    rows, features = vectorizer.batch_features([[], [], ["zzz"]])
    assert rows.tolist() == [] and features.tolist() == []
    rows, features = vectorizer.batch_features([])
    assert len(rows) == len(features) == 0
