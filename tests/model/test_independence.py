"""model/ stands alone: it imports nothing from bot/ (the bot's text path is evaluated from
scripts/, which pass the bot's Slack cleaning in)."""

from __future__ import annotations

import ast
from pathlib import Path

MODEL = Path(__file__).resolve().parents[2] / "model"


def test_model_imports_nothing_from_bot() -> None:
    offenders = []
    for path in MODEL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n == "bot" or n.startswith("bot.")]
    assert not offenders
