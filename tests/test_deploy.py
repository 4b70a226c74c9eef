"""deploy/ and docs/deploy.md against the code: no image can be built here, so everything else.

Every YAML parses; every setting a deploy file names is one the bot reads; probes, ports and
commands are the ones the code serves and runs; the termination grace covers
``GRACEFUL_TIMEOUT``; the Dockerfile is a serving install run by a non-root user; ``make serve``
never reaches the network on an installed host.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is in the dev extra: pip install -e '.[dev]'")

from bot.runners.gate import EVENTS_PATH, HEALTH_PATH, READY_PATH  # noqa: E402
from bot.runners.gunicorn_config import gunicorn_config  # noqa: E402
from bot.settings import settings_from_env  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"
COMMANDS = {
    ("gunicorn", "-c", "gunicorn.conf.py"),
    ("python", "-m", "bot", "migrate"),
    ("python", "-m", "bot", "digest"),
}
PRE_STOP_SECONDS = 5


def _yaml_files() -> list[Path]:
    return sorted(DEPLOY.rglob("*.yaml"))


def _k8s() -> dict[str, dict]:
    docs = [d for path in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(path.read_text())]
    return {doc["kind"]: doc for doc in docs}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _pod_spec(doc: dict) -> dict:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def _pod_spec_metadata(doc: dict) -> dict:
    return doc["spec"]["template"]["metadata"]


def _bot_containers() -> list[dict]:
    kinds = ("Deployment", "Job", "CronJob")
    return [c for kind in kinds for c in _pod_spec(_k8s()[kind])["containers"]]


def _bot_services() -> dict[str, dict]:
    return {
        name: service
        for name, service in _compose()["services"].items()
        if str(service.get("image", "")).startswith("sentiment-bot:")
    }


def _known_settings() -> set[str]:
    """Every variable the bot reads: .env.example (generated from bot/settings.py) + gunicorn's."""
    example = (REPO / ".env.example").read_text()
    names = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    gunicorn = (REPO / "bot" / "runners" / "gunicorn_config.py").read_text()
    names |= set(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', gunicorn))
    return names


def _default_port() -> int:
    return settings_from_env({}).port


def _graceful_timeout() -> int:
    configured = _k8s()["ConfigMap"]["data"].get("GRACEFUL_TIMEOUT")
    return int(configured) if configured else gunicorn_config({}).graceful_timeout


def _version() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


# -- the files parse, and name only what the code knows ------------------------------------


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_yaml_file_parses(path):
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs


def test_the_kubernetes_manifests_are_all_there():
    assert set(_k8s()) == {
        "ConfigMap",
        "Secret",
        "Job",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "CronJob",
    }


def test_every_variable_a_deploy_file_sets_is_a_setting_of_the_bot():
    known = _known_settings()
    assert {"DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY", "PORT"} <= known  # the check works
    k8s = _k8s()
    named = set(k8s["ConfigMap"]["data"]) | set(k8s["Secret"]["stringData"])
    for container in _bot_containers():
        named |= {e["name"] for e in container.get("env", [])}
    for service in _bot_services().values():
        named |= set(service.get("environment") or {})
    assert named - known == set()
    # The values parse as the bot and gunicorn would parse them (exit 2 otherwise).
    values = {**k8s["ConfigMap"]["data"], **k8s["Secret"]["stringData"]}
    settings_from_env(values)
    gunicorn_config(values)


def test_every_bot_container_reads_the_configmap_and_the_secret():
    for container in _bot_containers():
        refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
        assert refs == {"sentiment-bot"} and len(container["envFrom"]) == 2
    k8s = _k8s()
    assert k8s["ConfigMap"]["metadata"]["name"] == k8s["Secret"]["metadata"]["name"]


# -- probes, ports, commands -----------------------------------------------------------------


def test_probes_are_the_routes_the_bot_serves():
    assert (HEALTH_PATH, READY_PATH, EVENTS_PATH) == ("/healthz", "/readyz", "/slack/events")
    (bot,) = _pod_spec(_k8s()["Deployment"])["containers"]
    assert bot["livenessProbe"]["httpGet"]["path"] == HEALTH_PATH
    assert bot["startupProbe"]["httpGet"]["path"] == HEALTH_PATH
    assert bot["readinessProbe"]["httpGet"]["path"] == READY_PATH
    healthcheck = next(line for line in DOCKERFILE.read_text().splitlines() if "CMD [" in line)
    assert f"/{HEALTH_PATH.strip('/')}" in healthcheck


def test_ports_match_the_default_port():
    port = _default_port()
    assert port == gunicorn_config({}).port == 3000
    k8s = _k8s()
    (bot,) = _pod_spec(k8s["Deployment"])["containers"]
    (container_port,) = bot["ports"]
    assert container_port == {"name": "http", "containerPort": port}
    assert int(k8s["ConfigMap"]["data"]["PORT"]) == port
    assert bot["livenessProbe"]["httpGet"]["port"] == "http"
    assert bot["readinessProbe"]["httpGet"]["port"] == "http"
    assert k8s["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    annotations = _pod_spec_metadata(k8s["Deployment"])["annotations"]
    assert annotations["prometheus.io/port"] == str(port)
    assert f"EXPOSE {port}" in DOCKERFILE.read_text()
    web = _compose()["services"]["bot"]
    assert web["ports"] == [f"{port}:{port}"] and int(web["environment"]["PORT"]) == port


def test_services_select_the_pods_of_the_deployment():
    k8s = _k8s()
    labels = _pod_spec_metadata(k8s["Deployment"])["labels"]
    assert k8s["Deployment"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert k8s["Service"]["spec"]["selector"].items() <= labels.items()
    assert k8s["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert (
        k8s["PodDisruptionBudget"]["spec"]["minAvailable"] < k8s["Deployment"]["spec"]["replicas"]
    )


def test_every_command_is_one_the_code_runs():
    commands = [tuple(c["command"]) for c in _bot_containers()]
    compose = _bot_services()
    commands += [tuple(s["command"]) for s in compose.values() if "entrypoint" not in s]
    assert set(commands) == COMMANDS
    loop = " ".join(compose["digest"]["command"])
    assert "python -m bot digest" in loop and "sleep 300" in loop  # every 5 minutes
    dockerfile = DOCKERFILE.read_text()
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py"]' in dockerfile
    assert "COPY gunicorn.conf.py ./" in dockerfile
    assert "gunicorn -c gunicorn.conf.py" in (REPO / "Makefile").read_text()
    assert re.search(r"^wsgi_app = ", (REPO / "gunicorn.conf.py").read_text(), re.MULTILINE)


@pytest.mark.parametrize("job", ["migrate", "digest"])
def test_the_job_commands_exist_and_answer_help(job):
    result = subprocess.run(
        [sys.executable, "-m", "bot", job, "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert f"python -m bot {job}" in result.stdout


def test_gunicorn_settings_check_accepts_the_configmap(tmp_path):
    """What `make serve` runs before gunicorn, with the ConfigMap's values (on a free port)."""
    from tests.helpers.slack_app import free_port

    env = {**_k8s()["ConfigMap"]["data"], "PORT": str(free_port()), "HOST": "127.0.0.1"}
    env.update({"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    result = subprocess.run(
        [sys.executable, "-m", "bot.runners.gunicorn_config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr


# -- shutdown, schedule, images ------------------------------------------------------------


def test_termination_grace_covers_the_graceful_timeout():
    deployment = _k8s()["Deployment"]
    spec = _pod_spec(deployment)
    (bot,) = spec["containers"]
    assert bot["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", str(PRE_STOP_SECONDS)]
    grace = spec["terminationGracePeriodSeconds"]
    assert grace > PRE_STOP_SECONDS + _graceful_timeout()
    assert grace > PRE_STOP_SECONDS + gunicorn_config({}).graceful_timeout  # the default too
    web = _compose()["services"]["bot"]
    assert int(web["stop_grace_period"].rstrip("s")) > int(web["environment"]["GRACEFUL_TIMEOUT"])
    strategy = deployment["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0


def test_the_digest_cronjob_runs_every_five_minutes_one_at_a_time():
    cron = _k8s()["CronJob"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid" and cron["schedule"] == "*/5 * * * *"
    assert _pod_spec(_k8s()["CronJob"])["restartPolicy"] == "Never"


def test_one_image_you_build_yourself_everywhere():
    images = {c["image"] for c in _bot_containers()}
    assert images == {f"sentiment-bot:{_version()}"}
    for service in _bot_services().values():
        assert service["image"] == "sentiment-bot:${VERSION:-" + _version() + "}"
        assert service["pull_policy"] == "never"
    guide = (REPO / "docs" / "deploy.md").read_text()
    assert "docker build -f deploy/Dockerfile -t sentiment-bot:$VERSION ." in guide


def test_compose_starts_the_bot_after_the_migrate_step():
    services = _compose()["services"]
    for name in ("bot", "digest"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["bot"]["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert services["bot"]["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


# -- the Dockerfile ------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_is_the_serving_install_without_tensorflow():
    runs = " ".join(arg for op, arg in _instructions() if op == "RUN")
    assert "pip install ." in runs
    assert "[train" not in runs and "tensorflow" not in runs.lower() and "-e " not in runs
    copies = [arg for op, arg in _instructions() if op == "COPY"]
    assert not any(arg.split()[0] in {".", "./"} for arg in copies)  # not the whole repository
    assert "pyproject.toml" in copies[0]


def test_dockerfile_runs_as_a_non_root_user_with_a_healthcheck():
    instructions = _instructions()
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    last_stage = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    assert any(op == "USER" for op, _ in instructions[last_stage:])
    assert any(op == "HEALTHCHECK" for op, _ in instructions[last_stage:])
    pods = [_pod_spec(_k8s()[k]) for k in ("Deployment", "Job", "CronJob")]
    for spec in pods:
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert str(spec["securityContext"]["runAsUser"]) == users[-1].split(":")[0]


# -- make serve never reaches the network on an installed host -----------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_on_an_installed_host_never_runs_pip(tmp_path):
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "gunicorn"):
        (bin_dir / name).touch()
    (tmp_path / ".venv" / ".serve").touch()
    # A deploy pulled new code: pyproject.toml is newer than every stamp.
    future = (bin_dir / "gunicorn").stat().st_mtime + 3600
    os.utime(tmp_path / "pyproject.toml", (future, future))

    def plan(target: str) -> str:
        done = subprocess.run(
            ["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    serve = plan("serve")
    assert "pip" not in serve and "gunicorn -c gunicorn.conf.py" in serve
    assert "pip" in plan("install")  # the explicit step that does reach the network
    (bin_dir / "gunicorn").unlink()  # no serving install yet: serve installs it once
    assert "install -e ." in plan("serve")


def test_the_guide_names_every_deploy_file_and_step():
    guide = (REPO / "docs" / "deploy.md").read_text()
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file() and path.name != "Dockerfile.dockerignore":
            assert path.name in guide, path
    for step in ("python -m bot migrate", "pg_dump", ".backup", "make install", "rollout undo"):
        assert step in guide, step
