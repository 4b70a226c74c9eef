"""Training time of the default model: the figure recorded in the artifact, or a fresh run.

``scripts/train.py`` records its timings in the artifact (``training_seconds`` in
``metrics.json`` and ``config.json``). Re-training takes minutes, so the benchmark reports the
recorded figures unless ``--train`` asks for a timed run into a temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.processes import REPO


def _find(value: Any, key: str) -> Any:
    """The first value under ``key`` anywhere in nested dicts, else None."""
    if isinstance(value, dict):
        if key in value:
            return value[key]
        for child in value.values():
            found = _find(child, key)
            if found is not None:
                return found
    return None


def recorded(artifact_dir: Path) -> dict[str, Any]:
    """The artifact's own record; every figure missing from it is None ("n/a")."""
    timings: Any = None
    source = None
    for name in ("metrics.json", "config.json"):
        try:
            data = json.loads((artifact_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        timings = _find(data, "training_seconds")
        if timings is not None:
            source = name
            break
    if not isinstance(timings, dict):
        timings = {"default_model": timings} if isinstance(timings, int | float) else {}
    machine = None
    try:
        config = json.loads((artifact_dir / "config.json").read_text(encoding="utf-8"))
        machine = config.get("machine")
    except (OSError, ValueError):
        pass
    return {
        "source": f"{artifact_dir.name}/{source}" if source else None,
        "default_model_seconds": _number(timings.get("default_model")),
        "default_fit_seconds": _number(timings.get("default_fit")),
        "baseline_seconds": _number(timings.get("baseline")),
        "total_seconds": _number(timings.get("total")),
        "trained_on": machine,
    }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def retrain(data: str | None) -> dict[str, Any]:
    """Run ``scripts/train.py`` into a temporary directory; wall time and its own record."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as out:
        argv = [sys.executable, str(REPO / "scripts" / "train.py"), "--out", out, "--quiet"]
        if data:
            argv += ["--data", data]
        started = time.perf_counter()
        done = subprocess.run(
            argv,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            return {
                "error": done.stderr.strip().splitlines()[-1:] or ["failed"],
                "wall_seconds": wall,
            }
        return {"wall_seconds": wall, **recorded(Path(out))}
