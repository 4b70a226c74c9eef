"""One benchmark run: speed and cost of the predictor, the bot and its install, side by side
with the Keras tutorial's way.

    python scripts/bench.py                 # full run (a few minutes); or: make bench
    python scripts/bench.py --smoke         # tiny sizes, for CI: proves it runs, judges nothing
    python scripts/bench.py --install-size --train   # also build a throwaway venv, re-train

Prints a table (metric, ours, tutorial, ratio, target, met?) and saves every figure, with the
method and the machine, to --json (default bench-results/bench.json). Everything runs on this
machine's cores at once (load generator, bot workers, fake Slack), and the output says how many
there are. Needs the trained artifact (make train) and, for the tutorial comparison, the
[train] extra (TensorFlow).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FULL = dict(
    calls=2000,
    reps=5,
    warmup=500,
    batch=256,
    reviews=None,
    review_reps=3,
    min_seconds=1.0,
    tutorial_predict_calls=1000,
    tutorial_direct_calls=1000,
    rate=600.0,
    seconds=10.0,
    burst=1000,
    bot_reps=3,
    connections=32,
    bot_warmup=500,
    cold_reps=3,
    cold_warmup=300,
    mood_channels=1000,
    mood_calls=40,
    socket_reconnects=10,
    home_channels=50,
    oauth_installs=20,
    home_opens=20,
    backfill_messages=100_000,
    backfill_tier3_seconds=60.0,
    fair_teams=100,
    fair_rate=1000.0,
    fair_seconds=10.0,
    flood_rate=500.0,
    quiet_rate=5.0,
    overload_burst=1000,
    overload_seconds=10.0,
    socket_overload_seconds=30.0,  # long enough to fill the queue bounds and shed
)
SMOKE = dict(
    calls=300,
    reps=1,
    warmup=50,
    batch=256,
    reviews=200,
    review_reps=1,
    min_seconds=0.05,
    tutorial_predict_calls=10,
    tutorial_direct_calls=20,
    rate=100.0,
    seconds=1.0,
    burst=100,
    bot_reps=1,
    connections=16,
    bot_warmup=50,
    cold_reps=1,
    cold_warmup=20,
    mood_channels=20,
    mood_calls=3,
    socket_reconnects=2,
    home_channels=5,
    oauth_installs=3,
    home_opens=2,
    backfill_messages=2000,
    backfill_tier3_seconds=3.0,
    fair_teams=100,
    fair_rate=200.0,
    fair_seconds=1.0,
    flood_rate=100.0,
    quiet_rate=5.0,
    overload_burst=200,
    overload_seconds=1.0,
    socket_overload_seconds=1.0,
)
SECTIONS = (
    "training",
    "install",
    "coldstart",
    "bot",
    "socket",
    "fairness",
    "oauth",
    "predictor",
    "tutorial",
    "slow",
    "mood",
    "home",
)
SLOW_EVENTS = {"full": 200, "smoke": 10}  # signed events acked while slow clients are connected


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI); no verdicts")
    parser.add_argument("--json", default="bench-results/bench.json", help="where to save")
    parser.add_argument("--model", help="artifact directory (default: the shipped one)")
    parser.add_argument("--data", help="IMDB tarball for the 25k test reviews ($IMDB_DATA)")
    parser.add_argument("--rate", type=float, help="fixed-rate phase, events/s (600)")
    parser.add_argument("--seconds", type=float, help="fixed-rate phase length (10)")
    parser.add_argument("--burst", type=int, help="burst size (1000)")
    parser.add_argument("--reps", type=int, help="repetitions of each bot phase (3)")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="gunicorn workers (default: one per core)",
    )
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--redis",
        action="store_true",
        help="also run the bot phases with REDIS_URL on a local redis-server",
    )
    parser.add_argument(
        "--install-size",
        action="store_true",
        help="also measure a throwaway venv with `pip install .`",
    )
    parser.add_argument(
        "--train",
        action="store_true",
        help="re-run training and time it (minutes) instead of the record",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=SECTIONS,
        help="leave a section out (repeatable)",
    )
    return parser.parse_args(argv)


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass
class Run:
    """One benchmark run's inputs and the results its phases fill in, in the order they ran."""

    args: argparse.Namespace
    sizes: dict[str, Any]
    artifact_dir: Path
    results: dict[str, Any]
    skip: set[str] = field(default_factory=set)
    predictor: Any = None

    @property
    def model_path(self) -> str:
        """The artifact every server process loads (``MODEL_PATH``), the same as in process."""
        return str(self.artifact_dir)

    def load_args(self) -> dict[str, Any]:
        """The bot's load phases, shared by the plain bot run and the mood record's runs."""
        sizes, args = self.sizes, self.args
        return dict(
            rate=sizes["rate"],
            seconds=sizes["seconds"],
            burst=sizes["burst"],
            reps=sizes["bot_reps"],
            connections=sizes["connections"],
            warmup=sizes["bot_warmup"],
            workers=args.workers,
            threads=args.threads,
            model_path=self.model_path,
        )


def _sizes(args: argparse.Namespace) -> dict[str, Any]:
    """The run's sizes: smoke or full, with the command line's overrides."""
    sizes = dict(SMOKE if args.smoke else FULL)
    for name in ("rate", "seconds", "burst"):
        if getattr(args, name) is not None:
            sizes[name] = getattr(args, name)
    if args.reps is not None:
        sizes["bot_reps"] = args.reps
    return sizes


def _header(
    args: argparse.Namespace, argv: list[str] | None, sizes: dict[str, Any], artifact_dir: Path
) -> dict[str, Any]:
    """What the results say about the run itself: command, machine, artifact, sizes, texts."""
    from benchmarks import corpus
    from benchmarks.measure import machine

    return {
        "command": " ".join(
            ["python scripts/bench.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "smoke": args.smoke,
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "artifact": str(artifact_dir),
        "sizes": sizes,
        "texts": corpus.describe(),
        "notes": [
            f"{os.cpu_count()} cores shared by everything in this run: the load generator, "
            f"{args.workers} gunicorn workers and the fake Slack run at the same time",
        ],
    }


def _training(run: Run) -> None:
    from benchmarks import training

    progress(
        "training time (recorded in the artifact)" + ("; re-training now" if run.args.train else "")
    )
    run.results["training"] = {
        "recorded": training.recorded(run.artifact_dir),
        "retrained": training.retrain(run.args.data) if run.args.train else None,
    }


def _install(run: Run) -> None:
    from benchmarks import install_size

    progress("serving install size" + (" (throwaway venv)" if run.args.install_size else ""))
    run.results["install"] = {
        "closure": install_size.measure_closure(),
        "tutorial_closure": install_size.tutorial_closure(),
        "venv": install_size.measure_venv() if run.args.install_size else None,
    }


def _cold_start(run: Run, workdir: Path) -> None:
    from benchmarks import coldstart, tutorial_bench

    sizes, args = run.sizes, run.args
    cold: dict[str, Any] = {}
    for kind, key in (("python-m-bot", "python_m_bot"), ("gunicorn", "gunicorn")):
        progress(f"cold start and memory, {kind} ({sizes['cold_reps']} reps)")
        settings = {
            "MODEL_PATH": run.model_path,
            "WEB_CONCURRENCY": str(args.workers),
            "GUNICORN_THREADS": str(args.threads),
        }
        cold[key] = coldstart.run(
            kind,
            workdir,
            reps=sizes["cold_reps"],
            warmup_events=sizes["cold_warmup"],
            settings=settings,
        )
    if "tutorial" not in run.skip and not tutorial_bench.available(run.artifact_dir):
        progress("cold start and memory, the tutorial's Keras process")
        cold["tutorial"] = coldstart.tutorial(run.artifact_dir, sizes["cold_reps"])
    run.results["cold_start"] = cold


def _bot(run: Run, workdir: Path) -> None:
    from benchmarks import bot_bench
    from benchmarks.processes import redis_server

    sizes, args, results = run.sizes, run.args, run.results
    bot_args = run.load_args()
    progress(
        f"bot end to end: gunicorn {args.workers}x{args.threads}, "
        f"{sizes['rate']:g}/s for {sizes['seconds']:g} s and bursts of "
        f"{sizes['burst']}, {sizes['bot_reps']} reps"
    )
    results["bot"] = bot_bench.run(workdir, **bot_args)
    others = max(results["bot"][ph]["other_processes_cores"] for ph in ("rate", "burst"))
    results["notes"].append(
        f"during the bot phases other processes on this machine used up to {others:.2f} "
        "cores (median per phase; 0 = the benchmark had the machine to itself)"
    )
    if args.redis:
        with redis_server() as url:
            if url is None:
                results["bot_redis"] = {"skipped": "redis-server is not installed"}
            else:
                progress("bot end to end again, with REDIS_URL")
                results["bot_redis"] = bot_bench.run(workdir, redis_url=url, **bot_args)


def _socket_mode(run: Run, workdir: Path) -> None:
    from benchmarks import socket_mode_bench

    sizes = run.sizes
    progress(
        f"bot in Socket Mode (python -m bot): {sizes['rate']:g}/s for "
        f"{sizes['seconds']:g} s, bursts of {sizes['burst']}, "
        f"{sizes['socket_reconnects']} reconnects, "
        f"then 2x capacity for {sizes['socket_overload_seconds']:g} s"
    )
    run.results["socket_mode"] = socket_mode_bench.run(
        workdir,
        rate=sizes["rate"],
        seconds=sizes["seconds"],
        burst=sizes["burst"],
        reps=sizes["bot_reps"],
        warmup=sizes["bot_warmup"],
        reconnects=sizes["socket_reconnects"],
        model_path=run.model_path,
        overload_seconds=sizes["socket_overload_seconds"],
    )


def _fairness(run: Run, workdir: Path) -> None:
    from benchmarks import fairness_bench

    sizes, args = run.sizes, run.args
    progress(
        f"fairness: {sizes['fair_teams']} workspaces installed, then at {sizes['fair_rate']:g}/s "
        f"({sizes['bot_reps']} runs, OAuth and single-token), one flooding "
        f"at {sizes['flood_rate']:g}/s, then 2x capacity for {sizes['overload_seconds']:g} s "
        f"(gunicorn {args.workers}x{args.threads})"
    )
    run.results["fairness"] = fairness_bench.run(
        workdir,
        rate=sizes["fair_rate"],
        seconds=sizes["fair_seconds"],
        teams=sizes["fair_teams"],
        flood_rate=sizes["flood_rate"],
        quiet_rate=sizes["quiet_rate"],
        burst=sizes["overload_burst"],
        overload_seconds=sizes["overload_seconds"],
        connections=sizes["connections"],
        warmup=sizes["bot_warmup"],
        workers=args.workers,
        threads=args.threads,
        reps=sizes["bot_reps"],
        model_path=run.model_path,
    )


def _oauth(run: Run, workdir: Path) -> None:
    from benchmarks import install_bench

    n = run.sizes["oauth_installs"]
    progress(f"multi-workspace mode: {n} installs through the OAuth routes, then {n} uninstalls")
    run.results["oauth"] = install_bench.install_uninstall_times(
        f"sqlite:///{workdir / 'oauth.sqlite3'}", n
    )


def _slow_clients(run: Run, workdir: Path) -> None:
    from benchmarks import slow_clients

    events = SLOW_EVENTS["smoke" if run.args.smoke else "full"]
    progress(f"ack latency with 16 slow clients connected ({events} events per server)")
    run.results["slow_clients"] = slow_clients.run(
        workdir,
        slow=8,
        events=events,
        workers=run.args.workers,
        threads=run.args.threads,
        model_path=run.model_path,
    )


def _mood(run: Run, workdir: Path) -> None:
    sizes = run.sizes
    progress(
        "mood record: load with counting off / on (SQLite, PostgreSQL), "
        f"/sentiment mood 90d among {sizes['mood_channels']} channels, size"
    )
    from benchmarks import mood_bench

    run.results["mood"] = mood_bench.run(
        workdir,
        bot_args=None if "bot" in run.skip else run.load_args(),
        channels=sizes["mood_channels"],
        calls=sizes["mood_calls"],
        model_path=run.model_path,
    )


def _home(run: Run, workdir: Path) -> None:
    sizes = run.sizes
    progress(
        f"home tab: views.publish for a viewer in {sizes['home_channels']} channels; "
        f"backfill of {sizes['backfill_messages']:,} messages with rate limits"
    )
    from benchmarks import home_bench

    run.results["home"] = home_bench.run(
        workdir,
        run.predictor,
        channels=sizes["home_channels"],
        opens=sizes["home_opens"],
        messages=sizes["backfill_messages"],
        tier3_seconds=sizes["backfill_tier3_seconds"],
    )


# The phases that need a scratch folder, in the order they run, by their --skip name.
WORKDIR_PHASES = (
    ("coldstart", _cold_start),
    ("bot", _bot),
    ("socket", _socket_mode),
    ("fairness", _fairness),
    ("oauth", _oauth),
    ("slow", _slow_clients),
    ("mood", _mood),
    ("home", _home),
)


def _predictor(run: Run) -> None:
    """The predictor in process, then (last: it imports TensorFlow) the tutorial's way."""
    from benchmarks import corpus, predictor_bench

    sizes, predictor = run.sizes, run.predictor
    progress(f"predictor in process ({sizes['reps']} reps of {sizes['calls']} calls)")
    batch = corpus.short_messages(sizes["batch"])
    reviews, source = corpus.reviews(
        run.args.data, sizes["reviews"], use_dataset=not run.args.smoke
    )
    run.results["reviews_source"] = source
    run.results["predictor"] = {
        "ours": predictor_bench.run(
            predictor,
            calls=sizes["calls"],
            reps=sizes["reps"],
            warmup=sizes["warmup"],
            batch=batch,
            reviews=reviews,
            review_reps=sizes["review_reps"],
            min_seconds=sizes["min_seconds"],
            v1=predictor_bench.load_v1(run.artifact_dir),
        )
    }
    _tutorial(run, batch, reviews)


def _tutorial(run: Run, batch: list[str], reviews: list[str]) -> None:
    from benchmarks import predictor_bench, tutorial_bench

    sizes, artifact_dir, predictor = run.sizes, run.artifact_dir, run.predictor
    why_not = tutorial_bench.available(artifact_dir)
    if "tutorial" in run.skip or why_not:
        run.results["predictor"]["tutorial"] = {"skipped": why_not or "--skip tutorial"}
        return
    progress("the tutorial's way, in process (imports TensorFlow)")
    run.results["predictor"]["tutorial"] = tutorial_bench.run(
        artifact_dir,
        predict_calls=sizes["tutorial_predict_calls"],
        direct_calls=sizes["tutorial_direct_calls"],
        reps=sizes["reps"],
        warmup=10,
        batch=batch,
        reviews=reviews,
        review_reps=sizes["review_reps"],
        min_seconds=sizes["min_seconds"],
    )
    progress("reviews, ours and the tutorial's way in turns")
    run.results["predictor"]["reviews_side_by_side"] = predictor_bench.reviews_side_by_side(
        lambda: predictor.scores(reviews),
        tutorial_bench.review_scorer(artifact_dir, reviews),
        len(reviews),
        sizes["review_reps"],
    )


def _report(run: Run, started: float) -> None:
    """Save every figure to --json and print the table, the notes and where the figures are."""
    from benchmarks import report

    results = run.results
    results["seconds"] = time.perf_counter() - started
    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    rows = report.build_rows(results)
    results["table"] = rows
    out = Path(run.args.json)
    report.save_json(results, out)
    print(
        f"\n{results['command']}  ({os.cpu_count()} cores: {results['machine']['cpu_model']}"
        f"{'; SMOKE sizes, no verdicts' if run.args.smoke else ''})\n"
    )
    print(report.table(rows))
    if "reviews_source" in results:
        print(f"\nreviews: {results['reviews_source']}")
    for note in results["notes"]:
        print(f"note: {note}")
    print(f"\nall figures: {out}  ({results['seconds']:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    """Check the artifact, run every phase not skipped, in a fixed order, then report."""
    args = parse_args(argv)
    sizes = _sizes(args)
    from benchmarks import predictor_bench
    from model.artifact import artifact_path, check_artifact

    artifact_dir = artifact_path(args.model).resolve()
    try:
        check_artifact(artifact_dir)
    except Exception as err:  # noqa: BLE001 - one line, what to do
        print(f"error: {err}", file=sys.stderr)
        return 2
    run = Run(args, sizes, artifact_dir, _header(args, argv, sizes, artifact_dir), set(args.skip))
    started = time.perf_counter()
    progress(f"{os.cpu_count()} cores; artifact {artifact_dir}")
    run.predictor = predictor_bench.load(args.model)
    run.results["load_messages_confidence"] = predictor_bench.check_load_messages(run.predictor)

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if "training" not in run.skip:
            _training(run)
        if "install" not in run.skip:
            _install(run)
        for name, phase in WORKDIR_PHASES:
            if name not in run.skip:
                phase(run, Path(tmp))
    if "predictor" not in run.skip:
        _predictor(run)
    _report(run, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
