"""The size of the serving install, and proof that it needs no TensorFlow.

Two honest ways to measure, and the output says which was used:

- ``closure`` (always, instant): the project's serving dependencies as ``pyproject.toml``
  declares them (no extras), followed through every installed distribution's own requirements
  in the current environment; the files each one installed (its RECORD) are summed, plus the
  project's own package files and shipped model artifact. Python itself and pip are not counted.
- ``venv`` (``--install-size``): a throwaway virtual environment with ``pip install .`` (no
  extras) in a temporary directory, measured with everything in it; then that environment
  loads the model and predicts, and says whether TensorFlow or Keras got imported.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.processes import REPO

HEAVY = ("tensorflow", "tensorflow-cpu", "keras", "torch", "jax")


def _name(requirement: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _applies(requirement: str) -> bool:
    """A requirement without an extra marker that applies on this machine."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pip vendors it
        from pip._vendor.packaging.requirements import Requirement

    req = Requirement(requirement)
    return req.marker is None or req.marker.evaluate({"extra": ""})


def serving_requirements() -> list[str]:
    """``[project].dependencies`` from pyproject.toml: what ``pip install .`` installs."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project.get("dependencies", []))


def closure(requirements: list[str]) -> dict[str, metadata.Distribution]:
    """Every installed distribution the requirements pull in, by normalized name."""
    found: dict[str, metadata.Distribution] = {}
    todo = [r for r in requirements if _applies(r)]
    while todo:
        name = _name(todo.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name] = dist
        todo.extend(r for r in (dist.requires or []) if _applies(r))
    return found


def _dist_bytes(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        try:
            total += Path(dist.locate_file(file)).stat().st_size
        except OSError:
            pass
    return total


def _project_bytes() -> int:
    """What the project's own wheel holds: the bot and model packages and the artifact."""
    total = 0
    for package in ("bot", "model"):
        for path in (REPO / package).rglob("*"):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and (path.suffix == ".py" or "artifacts" in path.parts)
            ):
                total += path.stat().st_size
    return total


def tutorial_closure() -> dict[str, Any] | None:
    """The tutorial's runtime for comparison: TensorFlow's closure, if it is installed here."""
    for name in ("tensorflow-cpu", "tensorflow"):
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        dists = closure([name])
        return {
            "method": f"closure of {name} in this venv (what serving with Keras needs)",
            "mb": sum(_dist_bytes(d) for d in dists.values()) / 2**20,
            "distributions": len(dists),
        }
    return None


def measure_closure() -> dict[str, Any]:
    """The serving closure's size, per distribution, and whether anything heavy is in it."""
    dists = closure(serving_requirements())
    sizes = {name: _dist_bytes(dist) for name, dist in dists.items()}
    project = _project_bytes()
    total = sum(sizes.values()) + project
    return {
        "method": "closure: installed files of the serving dependency closure (pyproject "
        "dependencies, no extras) in this venv + the project's packages and artifact",
        "mb": total / 2**20,
        "project_mb": project / 2**20,
        "distributions": {
            name: round(size / 2**20, 2)
            for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])
        },
        "heavy_in_closure": sorted(name for name in dists if name in HEAVY),
        "tensorflow_in_closure": any(name in dists for name in HEAVY[:3]),
    }


_PROBE = (
    "import sys, json, bot.app, bot.runners.wsgi, model; p = model.load_predictor(); "
    "p.predict_one('I really loved this, great work team!'); "
    "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
    "('tensorflow', 'keras', 'torch', 'jax'))))"
)


def measure_venv(keep: bool = False) -> dict[str, Any]:
    """``pip install .`` into a throwaway venv; its size and a TensorFlow-free model load."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-venv-"))
    venv = workdir / "venv"
    build_dir = REPO / "build"
    had_build_dir = build_dir.exists()  # setuptools builds in-tree; leave no trace behind
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(python),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                str(REPO),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink())
        site = next(venv.glob("lib/python*/site-packages"))
        installed = sorted(p.name.split("-")[0].lower() for p in site.glob("*.dist-info"))
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MODEL_PATH"}}
        probe = subprocess.run(
            [str(python), "-c", _PROBE],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        imported = json.loads(probe.stdout) if probe.returncode == 0 else None
        return {
            "method": "venv: python -m venv --without-pip + pip install . (no extras), whole "
            "directory measured",
            "mb": size / 2**20,
            "install_seconds": seconds,
            "distributions": installed,
            "tensorflow_installed": any(
                n in installed for n in ("tensorflow", "tensorflow_cpu", "keras")
            ),
            "model_loads_and_predicts": probe.returncode == 0,
            "heavy_modules_imported": imported,
            "probe_error": probe.stderr[-500:] if probe.returncode else None,
        }
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
        if not had_build_dir:
            shutil.rmtree(build_dir, ignore_errors=True)
