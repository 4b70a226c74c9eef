"""model.download (scripts/download_data.py), offline: file:// URLs, a local HTTP server and
injected failures."""

from __future__ import annotations

import hashlib
import io
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from model import download as dl
from model.data import DEFAULT_PATH, ENV_VAR, fingerprint, load_imdb
from tests.helpers.imdb import write_tiny_imdb

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "download_data.py"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_imdb(tmp_path_factory.mktemp("src") / "aclImdb_v1.tar.gz", n_per_class=5)


def _one_line(message: str) -> str:
    assert message and "\n" not in message.strip(), f"not one line: {message!r}"
    return message


def _only(folder: Path) -> list[str]:
    """What is in the destination folder: no stray temp files allowed."""
    return sorted(p.name for p in folder.iterdir())


# Success --------------------------------------------------------------------------------------


def test_file_url_download(tiny: Path, tmp_path: Path) -> None:
    dest = tmp_path / "data" / "sub" / "aclImdb_v1.tar.gz"  # folders are created
    log = io.StringIO()
    assert dl.download(tiny.as_uri(), dest, stream=log) == dest
    assert dest.read_bytes() == tiny.read_bytes()
    assert _only(dest.parent) == ["aclImdb_v1.tar.gz"]
    assert len(load_imdb(dest)["train"]) == 10
    assert "100%" in log.getvalue()


def test_quiet_download_prints_no_progress(tiny: Path, tmp_path: Path) -> None:
    log = io.StringIO()
    dl.download(tiny.as_uri(), tmp_path / "a.tar.gz", progress=False, stream=log)
    assert log.getvalue() == ""


def test_sha256_is_checked(tiny: Path, tmp_path: Path) -> None:
    good = hashlib.sha256(tiny.read_bytes()).hexdigest()
    dest = tmp_path / "aclImdb_v1.tar.gz"
    dl.download(tiny.as_uri(), dest, sha256=good.upper(), stream=io.StringIO())
    assert dest.read_bytes() == tiny.read_bytes()

    other = tmp_path / "other" / "aclImdb_v1.tar.gz"
    with pytest.raises(dl.DownloadError) as error:
        dl.download(tiny.as_uri(), other, sha256="0" * 64, stream=io.StringIO())
    message = _one_line(str(error.value))
    assert good in message and "0" * 64 in message and ENV_VAR in message
    assert _only(other.parent) == []  # neither the file nor its temp file


def test_existing_destination_is_kept_unless_forced(tiny: Path, tmp_path: Path) -> None:
    dest = tmp_path / "aclImdb_v1.tar.gz"
    dest.write_bytes(b"already here")
    log = io.StringIO()
    dl.download(tiny.as_uri(), dest, stream=log)
    assert dest.read_bytes() == b"already here"
    assert "already exists" in log.getvalue() and "--force" in log.getvalue()

    with pytest.raises(dl.DownloadError, match="--force"):  # and it is checked when asked to
        dl.download(tiny.as_uri(), dest, sha256=hashlib.sha256(b"other").hexdigest())
    dl.download(
        tiny.as_uri(),
        dest,
        sha256=hashlib.sha256(b"already here").hexdigest(),
        stream=io.StringIO(),
    )

    dl.download(tiny.as_uri(), dest, force=True, stream=io.StringIO())
    assert dest.read_bytes() == tiny.read_bytes()
    assert _only(tmp_path) == ["aclImdb_v1.tar.gz"]


def test_destination_that_is_a_folder(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(dl.DownloadError, match="is a folder"):
        dl.download(tiny.as_uri(), tmp_path)


# Failures leave nothing behind ---------------------------------------------------------------


def _assert_fails_cleanly(url: str, tmp_path: Path, *expected: str) -> str:
    dest = tmp_path / "data" / "aclImdb_v1.tar.gz"
    with pytest.raises(dl.DownloadError) as error:
        dl.download(url, dest, stream=io.StringIO(), timeout=5)
    message = _one_line(str(error.value))
    assert url in message and ENV_VAR in message, message
    for text in expected:
        assert text in message, message
    assert not dest.exists() and _only(dest.parent) == []
    return message


def test_missing_file_url(tmp_path: Path) -> None:
    _assert_fails_cleanly((tmp_path / "missing.tar.gz").as_uri(), tmp_path, "No such file")


def test_connection_refused(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _assert_fails_cleanly(f"http://127.0.0.1:{port}/aclImdb_v1.tar.gz", tmp_path, "refused")


def test_not_a_url(tmp_path: Path) -> None:
    _assert_fails_cleanly("not-a-url", tmp_path)


class _Handler(BaseHTTPRequestHandler):
    payload = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/ok.tar.gz":
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.payload)))
            self.end_headers()
            self.wfile.write(self.payload)
        elif self.path == "/short.tar.gz":  # promises more than it sends, then hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.payload) * 2))
            self.end_headers()
            self.wfile.write(self.payload)
            self.close_connection = True
        else:
            self.send_error(404, "Not Found")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(tiny: Path) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"payload": tiny.read_bytes()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_http_download(server: str, tiny: Path, tmp_path: Path) -> None:
    dest = tmp_path / "aclImdb_v1.tar.gz"
    dl.download(f"{server}/ok.tar.gz", dest, stream=io.StringIO())
    assert dest.read_bytes() == tiny.read_bytes() and _only(tmp_path) == [dest.name]


def test_http_404(server: str, tmp_path: Path) -> None:
    _assert_fails_cleanly(f"{server}/gone.tar.gz", tmp_path, "HTTP 404")


def test_connection_closed_early(server: str, tiny: Path, tmp_path: Path) -> None:
    size = tiny.stat().st_size
    _assert_fails_cleanly(f"{server}/short.tar.gz", tmp_path, f"stopped at {size} of {size * 2}")


class _InterruptedResponse(io.BytesIO):
    """Hands out one chunk, then the user presses Ctrl-C."""

    headers = {"Content-Length": str(10 * 65536)}

    def __init__(self) -> None:
        super().__init__(b"x" * 65536)
        self.calls = 0

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 1:
            raise KeyboardInterrupt
        return super().read(size)


def test_interrupted_download_removes_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dl.urllib.request, "urlopen", lambda *a, **k: _InterruptedResponse())
    dest = tmp_path / "aclImdb_v1.tar.gz"
    with pytest.raises(KeyboardInterrupt):
        dl.download("https://example.invalid/aclImdb_v1.tar.gz", dest, stream=io.StringIO())
    assert _only(tmp_path) == []

    dest.write_bytes(b"the previous copy")  # --force never destroys a good copy early
    with pytest.raises(KeyboardInterrupt):
        dl.download(
            "https://example.invalid/aclImdb_v1.tar.gz", dest, force=True, stream=io.StringIO()
        )
    assert dest.read_bytes() == b"the previous copy" and _only(tmp_path) == [dest.name]


def test_main_reports_interrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(dl.urllib.request, "urlopen", lambda *a, **k: _InterruptedResponse())
    assert dl.main(["--url", "https://example.invalid/x", "--dest", str(tmp_path / "x")]) == 130
    last = capsys.readouterr().err.splitlines()[-1]  # after the progress lines
    assert last == f"interrupted: nothing was written to {tmp_path / 'x'}"
    assert _only(tmp_path) == []


# The command line -------------------------------------------------------------------------


def test_main_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(dl, "download", lambda url, dest, **kw: calls.append((url, dest, kw)))
    assert dl.main([]) == 0
    url, dest, kw = calls[-1]
    assert (url, dest) == (dl.OFFICIAL_URL, DEFAULT_PATH)
    assert url == "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    assert kw["sha256"] == dl.OFFICIAL_SHA256 and not kw["force"] and kw["progress"]
    assert dl.main(["--sha256", ""]) == 0 and calls[-1][2]["sha256"] is None
    assert dl.main(["--url", "file:///x", "--force", "--quiet"]) == 0
    assert calls[-1][2] == {"sha256": None, "force": True, "progress": False}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60, cwd=REPO
    )


def test_command_line_success_and_failure(tiny: Path, tmp_path: Path) -> None:
    dest = tmp_path / "aclImdb_v1.tar.gz"
    ok = _run("--url", tiny.as_uri(), "--dest", str(dest))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == str(dest) and dest.read_bytes() == tiny.read_bytes()

    missing = (tmp_path / "missing.tar.gz").as_uri()
    bad = _run("--url", missing, "--dest", str(tmp_path / "new" / "aclImdb_v1.tar.gz"))
    assert bad.returncode == 1 and bad.stdout == ""
    line = _one_line(bad.stderr)
    assert line.startswith("error: download of ") and ENV_VAR in line
    assert not (tmp_path / "new" / "aclImdb_v1.tar.gz").exists()


@pytest.mark.dataset
def test_download_of_the_real_tarball(imdb_path: Path, tmp_path: Path) -> None:
    if imdb_path.is_dir():
        pytest.skip("IMDB_DATA is an unpacked folder, not a tarball")
    dest = tmp_path / "aclImdb_v1.tar.gz"
    try:
        dl.download(imdb_path.as_uri(), dest, sha256=fingerprint(imdb_path), progress=False)
        assert dest.stat().st_size == imdb_path.stat().st_size
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)  # do not keep 56+ MB around in /tmp
