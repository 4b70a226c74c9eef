"""Amendment 3's dev-only score (eval/SELECTION.md): the split and the rule, without a model."""

from __future__ import annotations

import pytest

from benchmarks.estimator_accuracy import (
    DEV_SCORE_MARGIN,
    DEV_SCORE_TIE,
    choose,
    choose_net,
    load_goemotions,
    net_size,
    split_halves,
)
from tests.helpers.goemotions import write_tiny_goemotions


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


def _net(ge: float, score: float = 4.0, size: int = 64, eligible: bool = True) -> dict:
    return {"ge_section": ge, "score": score, "size": size, "eligible": eligible}


def test_amendment_4_picks_on_the_goemotions_section_with_the_margin_and_gates() -> None:
    ship = {"score": 4.1, "ge_section": 5.9, "size": 0, "eligible": True}
    rows = {"shipped": ship, "a": _net(5.9 - DEV_SCORE_MARGIN)}
    assert choose_net(rows, "shipped")[0] == "shipped"  # not more than the margin
    rows["b"] = _net(5.5, size=128)
    rows["c"] = _net(5.5 + DEV_SCORE_TIE - 0.01, size=64)  # ties with b, smaller: wins
    assert choose_net(rows, "shipped")[0] == "c"
    rows["c"] = _net(5.5 + DEV_SCORE_TIE - 0.01, size=64, score=4.2)  # worse overall: a gate
    assert choose_net(rows, "shipped")[0] == "b"
    rows["b"] = _net(5.5, size=128, eligible=False)
    assert choose_net(rows, "shipped")[0] == "shipped"


@pytest.mark.parametrize(
    ("hyperparameters", "size"),
    [
        ({"feeling_head": "linear"}, 0),
        ({}, 0),
        ({"feeling_head": "net", "feeling_hidden": 16, "feeling_dim": 4}, 64),  # amendment 4
        (
            {"feeling_head": "net", "feeling_hidden": 16, "feeling_dim": 2, "feeling_members": 5},
            160,
        ),
    ],
)
def test_amendment_5_counts_every_member_in_a_nets_size(tmp_path, hyperparameters, size) -> None:
    import json

    (tmp_path / "config.json").write_text(json.dumps({"hyperparameters": hyperparameters}))
    assert net_size(tmp_path) == size


def test_goemotions_lines_come_from_the_setting_in_either_layout(tmp_path, monkeypatch) -> None:
    grouped = write_tiny_goemotions(tmp_path / "grouped", n=20, seed=3)
    official = write_tiny_goemotions(tmp_path / "official", n=20, seed=3, official=True)
    monkeypatch.setenv("GOEMOTIONS_DATA", str(grouped))
    lines = load_goemotions("dev")
    assert lines == load_goemotions("dev", official)
    assert {label for label, _ in lines} == {"positive", "negative", "neutral"}
    assert len(lines) == 60  # mixed and ambiguous lines left out
    monkeypatch.setenv("GOEMOTIONS_DATA", str(tmp_path / "missing"))
    with pytest.raises(SystemExit, match="GOEMOTIONS_DATA"):
        load_goemotions("dev")
