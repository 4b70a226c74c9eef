"""The tree's promises, each checked with a negative control that shows the check can fail.

- no import cycle among the modules, nor between bot/'s folders;
- lower layers (storage, mood, slack, delivery, settings, logs) import no feature or runner;
- no bot/listeners module imports another (only the package's ``__init__`` imports them all, to
  register them): what two surfaces share lives below them;
- ``model/`` imports nothing from ``bot/``; ``benchmarks/`` nothing from ``tests/``;
- a public name is defined in one bot/ module only (``register`` and ``main`` excepted);
- nothing in bot/ is there only for the tests: every public top-level function or class is
  referenced from bot/, model/, scripts/, benchmarks/ or gunicorn.conf.py;
- serving never loads training code or TensorFlow.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "model", "benchmarks")
# Where product code may reference bot/'s public names (tests/ does not count).
PRODUCT = ("bot", "model", "scripts", "benchmarks")
PRODUCT_FILES = ("gunicorn.conf.py",)
LOWER_LAYERS = ("bot.storage", "bot.mood", "bot.slack", "bot.delivery", "bot.settings", "bot.logs")
FEATURES = ("bot.listeners", "bot.digests", "bot.home", "bot.backfill", "bot.console")
RUNNERS = ("bot.runners", "bot.app", "bot.__main__", "bot.bootstrap")
LISTENERS = "bot.listeners"
# Names every surface or entry point defines by convention, one per module.
SHARED_NAMES = frozenset({"register", "main"})
# Alembic loads each revision script by its path and calls these two; no module imports them.
MIGRATIONS = ("bot.storage.migrations.versions",)
ALEMBIC_NAMES = frozenset({"upgrade", "downgrade"})


def _module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Project modules ``path`` imports, at the top or inside functions alike."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        out.update(t for t in targets if t in known and t != name)
    return out


def _files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    return {
        _module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }


def import_graph(root: Path = REPO, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Module -> the project modules it imports, for the modules under ``packages``."""
    files = _files(root, packages)
    known = set(files)
    return {name: _imports(path, name, known) for name, path in files.items()}


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def imports_between(
    graph: dict[str, set[str]], importers: tuple[str, ...], imported: tuple[str, ...]
) -> list[tuple[str, str]]:
    """Every (importer, imported) edge from a module under ``importers`` into ``imported``."""
    return sorted(
        (module, target)
        for module, targets in graph.items()
        if _within(module, importers)
        for target in targets
        if _within(target, imported)
    )


def listener_cross_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every (importer, imported) edge from a bot/listeners module to another one (or to the
    package), leaving out the package's ``__init__``, which imports them all to register them."""
    return sorted(
        (module, target)
        for module, targets in graph.items()
        if _within(module, (LISTENERS,)) and module != LISTENERS
        for target in targets
        if _within(target, (LISTENERS,))
    )


def folder_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """bot/'s import graph with each folder as one node (``bot.mood``, ``bot.runners``, ...).

    A top-level module of bot/ (``bot.app``, ``bot.deps``) is a node of its own, and so is
    the ``bot`` package itself.
    """

    def node(module: str) -> str:
        return ".".join(module.split(".")[:2])

    folders: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if not _within(module, ("bot",)):
            continue
        edges = folders.setdefault(node(module), set())
        edges.update(node(t) for t in targets if _within(t, ("bot",)) and node(t) != node(module))
    for edges in folders.values():
        for target in edges:
            folders.setdefault(target, set())
    return folders


def _public_definitions(path: Path) -> list[str]:
    """The public top-level functions and classes a module defines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
    ]


def names_defined_twice(root: Path = REPO) -> dict[str, list[str]]:
    """Public name -> the bot/ modules defining it, for names defined in more than one."""
    where: dict[str, list[str]] = {}
    for module, path in _files(root, ("bot",)).items():
        for name in _public_definitions(path):
            if not (_within(module, MIGRATIONS) and name in ALEMBIC_NAMES):
                where.setdefault(name, []).append(module)
    return {
        name: modules
        for name, modules in sorted(where.items())
        if len(modules) > 1 and name not in SHARED_NAMES
    }


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _referenced_names(path: Path) -> set[str]:
    """Every name a file uses: identifiers, attributes, imported names, and the words of its
    strings (``"bot.runners.asgi:application()"`` names ``application``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add(node.name.split(".")[-1])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(_WORD.findall(node.value))
    return names


def used_only_by_tests(root: Path = REPO) -> list[str]:
    """``module.name`` for each public top-level function or class of bot/ that no product
    file (bot/, model/, scripts/, benchmarks/, gunicorn.conf.py) references."""
    used: set[str] = set()
    product = [*_files(root, PRODUCT).values(), *(root / f for f in PRODUCT_FILES)]
    for path in product:
        if path.exists():
            used |= _referenced_names(path)
    return sorted(
        f"{module}.{name}"
        for module, path in _files(root, ("bot",)).items()
        for name in _public_definitions(path)
        if name not in used
    )


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None (iterative DFS, three colours)."""
    colour = dict.fromkeys(graph, 0)
    for root in sorted(graph):
        if colour[root]:
            continue
        stack = [(root, iter(sorted(graph[root])))]
        path = [root]
        colour[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour[child] == 1:
                return path[path.index(child) :] + [child]
            elif colour[child] == 0:
                colour[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_no_import_cycle_among_the_projects_modules():
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_relative_and_lazy_imports():
    graph = import_graph()
    assert "bot.delivery.redis_record" in graph["bot.delivery.records"]  # inside a function
    assert "model.prediction" in graph["model"]


def test_serving_loads_no_training_code_and_no_tensorflow():
    """The bot and the predictor, answering a message, never import TensorFlow or training."""
    code = (
        "import json, sys\n"
        "import bot.app, bot.runners.http, bot.runners.wsgi, bot.runners.socket_mode\n"
        "import bot.console, bot.bootstrap, model\n"
        "model.load_predictor().predict(['what a great release, thanks team'])\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    heavy = [m for m in loaded if m.split(".")[0] in {"tensorflow", "keras", "matplotlib"}]
    training = [m for m in loaded if m == "model.training" or m.startswith("model.training.")]
    assert heavy == [] and training == []
    assert "bot.app" in loaded and "model.predictor" in loaded  # the check did load serving


# -- layers -----------------------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    """A synthetic source tree under ``root``: relative path -> source."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


def test_lower_layers_import_no_feature_and_no_runner():
    graph = import_graph(REPO, ("bot",))
    assert imports_between(graph, LOWER_LAYERS, FEATURES + RUNNERS) == []


def test_the_layer_check_catches_a_lower_layer_importing_a_feature():
    graph = {
        "bot.mood.service": {"bot.settings", "bot.home.view"},
        "bot.storage.engine": {"bot.app"},
        "bot.home.view": {"bot.mood.service"},  # features may import lower layers
    }
    assert imports_between(graph, LOWER_LAYERS, FEATURES + RUNNERS) == [
        ("bot.mood.service", "bot.home.view"),
        ("bot.storage.engine", "bot.app"),
    ]


def test_no_listener_module_imports_another():
    graph = import_graph(REPO, ("bot",))
    assert len([m for m in graph if _within(m, (LISTENERS,))]) > 5  # the check sees them
    assert listener_cross_imports(graph) == []


def test_the_listener_check_catches_one_listener_importing_another(tmp_path):
    _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/deps.py": "",
            "bot/listeners/__init__.py": "from bot.listeners import home, mood, status\n",
            "bot/listeners/home.py": "def f():\n    from bot.listeners.status import x\n",
            "bot/listeners/mood.py": "from bot.deps import Deps\nfrom . import status\n",
            "bot/listeners/status.py": "import bot.listeners\n",
        },
    )
    graph = import_graph(tmp_path, ("bot",))
    assert listener_cross_imports(graph) == [
        ("bot.listeners.home", "bot.listeners.status"),  # inside a function
        ("bot.listeners.mood", "bot.listeners.status"),  # relative
        ("bot.listeners.status", "bot.listeners"),  # the package: it imports them all
    ]


def test_model_imports_nothing_from_bot():
    graph = import_graph(REPO, ("bot", "model"))
    assert imports_between(graph, ("model",), ("bot",)) == []


def test_the_model_check_catches_a_model_module_importing_bot(tmp_path):
    _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/slack/__init__.py": "",
            "bot/slack/text.py": "",
            "model/__init__.py": "",
            "model/training/evaluate.py": "def f():\n    from bot.slack.text import x\n",
        },
    )
    graph = import_graph(tmp_path, ("bot", "model"))
    assert imports_between(graph, ("model",), ("bot",)) == [
        ("model.training.evaluate", "bot.slack.text")
    ]


def test_benchmarks_import_nothing_from_tests():
    graph = import_graph(REPO, ("benchmarks", "tests"))
    assert imports_between(graph, ("benchmarks",), ("tests",)) == []


def test_the_benchmark_check_catches_a_benchmark_importing_tests(tmp_path):
    _tree(
        tmp_path,
        {
            "benchmarks/__init__.py": "",
            "benchmarks/home_bench.py": "from tests.helpers import postgres\n",
            "tests/__init__.py": "",
            "tests/helpers/__init__.py": "",
            "tests/helpers/postgres.py": "from benchmarks import home_bench\n",  # allowed
        },
    )
    graph = import_graph(tmp_path, ("benchmarks", "tests"))
    assert imports_between(graph, ("benchmarks",), ("tests",)) == [
        ("benchmarks.home_bench", "tests.helpers.postgres")
    ]


def test_no_import_cycle_between_bots_folders():
    assert find_cycle(folder_graph(import_graph(REPO, ("bot",)))) is None


def test_the_folder_cycle_check_catches_a_cycle_through_two_folders():
    graph = {
        "bot.mood.service": {"bot.settings"},
        "bot.mood.summary": {"bot.home.charts"},  # a module-level cycle it is not ...
        "bot.home.view": {"bot.mood.service"},  # ... but mood -> home -> mood
        "bot.home.charts": set(),
        "bot.settings": set(),
    }
    assert find_cycle(graph) is None
    folders = folder_graph(graph)
    assert folders["bot.settings"] == set()
    assert find_cycle(folders) in (
        ["bot.home", "bot.mood", "bot.home"],
        ["bot.mood", "bot.home", "bot.mood"],
    )


# -- one home for each name -------------------------------------------------------------------


def test_no_public_name_is_defined_in_two_bot_modules():
    assert names_defined_twice() == {}


def test_the_duplicate_check_catches_a_name_defined_twice(tmp_path):
    _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/a.py": "def points(): ...\ndef register(app): ...\ndef _local(): ...\n",
            "bot/b/__init__.py": "",
            "bot/b/c.py": "class points: ...\ndef register(app): ...\ndef _local(): ...\n",
            "bot/storage/migrations/versions/0001_a.py": "def upgrade(): ...\n",
            "bot/storage/migrations/versions/0002_b.py": "def upgrade(): ...\n",
            "bot/storage/engine.py": "def upgrade(): ...\n",  # not revision scripts
            "bot/storage/migrate.py": "def upgrade(): ...\n",
        },
    )
    assert names_defined_twice(tmp_path) == {
        "points": ["bot.a", "bot.b.c"],
        "upgrade": ["bot.storage.engine", "bot.storage.migrate"],
    }


def test_nothing_in_bot_is_there_only_for_the_tests():
    assert used_only_by_tests() == []


def test_the_test_only_check_catches_a_helper_only_tests_call(tmp_path):
    _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/console/__init__.py": "",
            "bot/console/requests.py": (
                "def sign(): ...\ndef interactive_body(): ...\ndef application(): ...\n"
                "class Console: ...\n"
            ),
            "bot/console/console.py": "from bot.console.requests import sign\nConsole = None\n",
            "gunicorn.conf.py": 'wsgi_app = "bot.console.requests:application()"\n',
            "tests/test_requests.py": "from bot.console.requests import interactive_body\n",
        },
    )
    assert used_only_by_tests(tmp_path) == ["bot.console.requests.interactive_body"]
