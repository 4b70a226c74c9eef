"""The benchmark still runs (smoke sizes), and the serving path never imports TensorFlow.

No timing thresholds here: a shared CI machine says nothing reliable about speed. The smoke run
only has to finish, produce every section with sane (positive, finite) numbers, and lose no
event. The real figures come from a full `make bench` run, written up in the README.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys

import pytest

from model.artifact import artifact_path
from tests.helpers.slack_app import REPO, bot_env

ARTIFACT = artifact_path()
needs_artifact = pytest.mark.skipif(
    not (ARTIFACT / "config.json").is_file(),
    reason=f"no trained model at {ARTIFACT} yet (make train)",
)


def positive(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@needs_artifact
def test_serving_never_imports_tensorflow():
    """The bot, its gunicorn entry point and the model load and predict without TF or Keras."""
    code = (
        "import sys, json, bot, bot.app, bot.runners.http, bot.runners.wsgi, "
        "bot.delivery.redis_record, model\n"
        "p = model.load_predictor()\n"
        "p.predict_one('I really loved this, great work team!')\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        "                        if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras'))))\n"
    )
    env = bot_env(MODEL_PATH=str(ARTIFACT))
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == []


@needs_artifact
def test_bench_smoke_run_produces_every_section(tmp_path):
    out = tmp_path / "bench.json"
    env = bot_env(MODEL_PATH=str(ARTIFACT))
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "bench.py"), "--smoke", "--json", str(out)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "metric" in done.stdout and "tutorial" in done.stdout  # the printed table
    results = json.loads(out.read_text())

    assert results["smoke"] is True
    assert results["machine"]["cpu_count"] >= 1

    ours = results["predictor"]["ours"]
    for key in ("p50_ms", "p99_ms"):
        assert positive(ours["single_message"][key])
    assert ours["single_message"]["p50_ms"] <= ours["single_message"]["p99_ms"]
    assert positive(ours["batch"]["per_second"]) and positive(ours["reviews"]["per_second"])
    assert positive(ours["v1_single_message"]["p50_ms"])  # v1 beside the shipped model

    tutorial = results["predictor"]["tutorial"]
    keras_here = importlib.util.find_spec("keras") is not None
    if keras_here and (ARTIFACT / "baseline.keras").is_file():
        for key in ("single_message_predict", "single_message_direct"):
            assert positive(tutorial[key]["p50_ms"]) and positive(tutorial[key]["p99_ms"])
        assert positive(tutorial["batch"]["per_second"])
        assert positive(tutorial["reviews"]["per_second"])
        turns = results["predictor"]["reviews_side_by_side"]
        assert positive(turns["ours_per_second"]) and positive(turns["tutorial_per_second"])
        assert positive(results["cold_start"]["tutorial"]["ready_seconds"])
    else:
        assert tutorial["skipped"]

    bot = results["bot"]
    for phase in ("rate", "burst"):
        summary = bot[phase]
        assert summary["sent"] > 0
        assert summary["lost"] == 0 and summary["duplicates"] == 0 and summary["errors"] == 0
        assert summary["reactions_recorded"] == summary["sent"]
        assert positive(summary["handled_per_second"]) and positive(summary["acks_per_second"])
        assert positive(summary["ack_p50_ms"]) and positive(summary["ack_p99_ms"])
        assert all(v >= 0 for v in summary["cpu_ms_per_event"].values())
    assert bot["warmup"]["lost"] == 0
    assert bot["server"]["shutdown"]["exit_code"] == 0
    assert bot["log_problems"] == {}

    sock = results["socket_mode"]
    for phase in ("rate", "burst"):
        summary = sock[phase]
        assert summary["sent"] > 0 and summary["unacked"] == 0
        assert summary["lost"] == 0 and summary["duplicates"] == 0
        assert positive(summary["handled_per_second"]) and positive(summary["ack_p99_ms"])
    again = sock["reconnect"]
    assert again["reconnects"] >= 2 and again["failed"] == 0
    assert positive(again["disconnect_to_first_ack_max_s"])
    assert sock["connections"] == 1 + again["reconnects"]  # one socket at start, one per refresh
    assert sock["server"]["exit_code"] == 0 and sock["log_problems"] == {}

    fair = results["fairness"]  # issue 17: many workspaces, a flood, 2x capacity
    many = fair["many_workspaces"]  # 100 workspaces installed through the OAuth routes
    assert many["mode"] == "oauth" and many["installed"] == many["teams"] == 100
    assert many["lost"] == 0 and many["errors"] == 0 and many["log_problems"] == {}
    assert many["reaction_tokens"] == 100  # each workspace's reactions with its own token
    single = fair["many_workspaces_single_token"]
    assert single["teams"] == 100 and single["lost"] == 0 and single["errors"] == 0
    flood = fair["flood_fairness"]
    assert flood["quiet_sent"] > 0 and flood["quiet_replies"] == flood["quiet_sent"]
    for over in (fair["overload"], sock["overload"]):
        assert over["sent"] > 0 and over["unaccounted"] == 0
        assert positive(over["ack_latency"]["p99_ms"])
    assert fair["log_problems"] == {} and fair["shutdown"]["exit_code"] == 0
    oauth = results["oauth"]  # issue 17: install through the OAuth routes, uninstall
    assert oauth["workspaces"] == 3 and positive(oauth["install"]["p95_s"])
    assert positive(oauth["uninstall_until_rows_gone"]["p95_s"])

    for kind in ("python_m_bot", "gunicorn"):
        cold = results["cold_start"][kind]
        assert positive(cold["ready_seconds"]) and positive(cold["rss_max_process_mb"])
        assert all(run["shutdown"]["exit_code"] == 0 for run in cold["runs"])
    assert results["cold_start"]["gunicorn"]["processes"] >= 2  # master + workers

    install = results["install"]["closure"]
    assert positive(install["mb"]) and install["tensorflow_in_closure"] is False

    recorded = results["training"]["recorded"]
    assert set(recorded) >= {"default_model_seconds", "baseline_seconds", "source"}
    assert recorded["default_model_seconds"] is None or positive(recorded["default_model_seconds"])

    mood = results["mood"]
    loads = [mood["load_counting_off"], mood["sqlite"]["load_counting_on"]]
    if "load_counting_on" in mood.get("postgresql", {}):
        loads.append(mood["postgresql"]["load_counting_on"])
    for load in loads:
        assert load["rate"]["lost"] == 0 and load["burst"]["lost"] == 0
        assert load["log_problems"] == {}
    answer = mood["sqlite"]["answer_90d"]
    assert positive(answer["p95_ms"]) and answer["charts_uploaded"] == answer["calls"] + 1
    assert positive(answer["size"]["bytes_per_channel_year"])

    home = results["home"]
    warm = home["sqlite"]["home"]
    assert positive(warm["warm_p95_ms"]) and positive(warm["cold_first_publish_ms"])
    unlimited, tier3 = home["backfill_unlimited"], home["backfill_tier3"]
    assert unlimited["state"] == "done" and unlimited["messages_read"] == 2000
    assert positive(unlimited["messages_per_second"]) and positive(tier3["messages_read"])

    rows = results["table"]
    assert len(rows) >= 15
    assert all({"metric", "ours", "tutorial", "ratio", "target", "met"} <= set(r) for r in rows)
    assert all(r["met"] in {"", "n/a", "yes"} for r in rows)
    assert any(
        r["metric"].startswith("Socket Mode, disconnect to first ack") for r in rows
    )  # smoke: no verdicts but lost=0
