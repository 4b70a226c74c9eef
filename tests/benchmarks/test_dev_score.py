"""Amendment 3's dev-only score (eval/SELECTION.md): the split and the rule, without a model."""

from __future__ import annotations

from benchmarks.estimator_accuracy import DEV_SCORE_MARGIN, DEV_SCORE_TIE, choose, split_halves


def _rows() -> list[tuple[str, int]]:
    return [("neutral", i) for i in range(7)] + [("positive", i) for i in range(4)]


def test_halves_are_disjoint_stratified_and_seeded() -> None:
    first, second = split_halves(_rows(), 16)
    assert sorted(first + second) == sorted(_rows())
    assert not set(first) & set(second)
    assert sum(1 for r in first if r[0] == "neutral") == 4  # the odd one out goes first
    assert sum(1 for r in second if r[0] == "positive") == 2
    assert split_halves(_rows(), 16) == (first, second)
    assert split_halves(_rows(), 17) != (first, second)


def _row(score: float, eligible: bool = True, changes: int = 1) -> dict:
    return {"score": score, "eligible": eligible, "changes": {f"k{i}": i for i in range(changes)}}


def test_the_shipped_model_stays_unless_beaten_by_more_than_the_margin() -> None:
    rows = {"shipped": _row(4.0, changes=0), "a": _row(4.0 - DEV_SCORE_MARGIN)}
    assert choose(rows, "shipped")[0] == "shipped"
    rows["b"] = _row(4.0 - DEV_SCORE_MARGIN - 0.01)
    assert choose(rows, "shipped")[0] == "b"


def test_gates_and_ties() -> None:
    rows = {
        "shipped": _row(4.0, changes=0),
        "best-but-gated": _row(3.0, eligible=False),
        "two-changes": _row(3.5, changes=2),
        "one-change": _row(3.5 + DEV_SCORE_TIE / 2),
    }
    assert choose(rows, "shipped")[0] == "one-change"  # within the tie band: the simpler one
    rows["one-change"] = _row(3.5 + 2 * DEV_SCORE_TIE)
    assert choose(rows, "shipped")[0] == "two-changes"
    assert choose({"shipped": _row(4.0, changes=0)}, "shipped")[0] == "shipped"


def test_a_retraining_of_the_shipped_model_is_not_a_variant() -> None:
    rows = {
        "shipped": _row(4.0, changes=0),
        "shipped-retrained": _row(4.0, changes=0),
        "a": _row(4.0 - DEV_SCORE_TIE / 2),
    }
    winner, why = choose(rows, "shipped")
    assert winner == "shipped"
    assert "best eligible variant a " in why
