"""Downloading the Large Movie Review Dataset v1.0 (aclImdb_v1.tar.gz, about 80 MB), and
GoEmotions (the official train/dev/test.tsv and emotions.txt, about 5 MB).

    python scripts/download_data.py [--dest data/aclImdb_v1.tar.gz] [--url URL] [--sha256 HEX]
                                    [--force] [--quiet]
    python scripts/download_data.py --dataset goemotions [--dest data/goemotions] [--url BASE]

The file goes to a temporary file next to the destination and is renamed only once it is complete
(and its checksum matches), so an interrupted or failed download never leaves a partial archive
where the loader looks. From the official URL the published sha256 is checked by default.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from model import goemotions
from model.data import DEFAULT_PATH, ENV_VAR

OFFICIAL_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
# Published checksum of the official tarball (84,125,825 bytes).
OFFICIAL_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
# GoEmotions' official files (Apache 2.0): the paper's train/dev/test split with the 28 label ids
# of emotions.txt; model.goemotions groups them into sentiment with the paper's mapping.
GOEMOTIONS_URL = "https://raw.githubusercontent.com/google-research/goemotions/master/data/"
GOEMOTIONS_FILES = ("train.tsv", "dev.tsv", "test.tsv", "emotions.txt")
CHUNK = 1 << 16
TIMEOUT = 60.0


class DownloadError(Exception):
    """A one-line reason the download failed and what to do about it."""


def _manual_hint(url: str) -> str:
    name = url.rstrip("/").rsplit("/", 1)[-1] or "the file"
    return (
        f"download {name} another way (e.g. in a browser) and set {ENV_VAR}=/path/to/"
        "aclImdb_v1.tar.gz"
    )


class Progress:
    """A plain progress line on stderr: redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, total: int | None, stream: TextIO | None = None):
        self.total = total if total and total > 0 else None
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        self.last_draw = 0.0
        self.last_step = -1

    def update(self, done: int) -> None:
        if self.tty:
            now = time.monotonic()
            if now - self.last_draw >= 0.1:
                self.last_draw = now
                self.stream.write("\r" + self._line(done).ljust(72))
                self.stream.flush()
        elif self.total:
            step = done * 10 // self.total
            if step > self.last_step:
                self.last_step = step
                self.stream.write(self._line(done) + "\n")

    def abort(self) -> None:
        """End an in-place progress line so that an error message starts on a line of its own."""
        if self.tty and self.last_draw:
            self.stream.write("\n")
            self.stream.flush()

    def finish(self, done: int) -> None:
        line = self._line(done)
        self.stream.write(("\r" + line.ljust(72) + "\n") if self.tty else (line + "\n"))
        self.stream.flush()

    def _line(self, done: int) -> str:
        rate = done / max(time.monotonic() - self.start, 1e-6) / 1e6
        if self.total:
            width = 30
            filled = min(width, done * width // self.total)
            return (
                f"[{'#' * filled}{'.' * (width - filled)}] {done * 100 // self.total:3d}% "
                f"{done / 1e6:.1f}/{self.total / 1e6:.1f} MB {rate:.1f} MB/s"
            )
        return f"{done / 1e6:.1f} MB {rate:.1f} MB/s"


def sha256_of(path: Path) -> str:
    """The file's sha256, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy(
    response: BinaryIO, out: BinaryIO, total: int | None, on_progress: Callable[[int], None]
) -> tuple[int, str]:
    digest = hashlib.sha256()
    done = 0
    while True:
        block = response.read(CHUNK)
        if not block:
            break
        out.write(block)
        digest.update(block)
        done += len(block)
        on_progress(done)
    return done, digest.hexdigest()


def download(
    url: str = OFFICIAL_URL,
    dest: str | os.PathLike[str] = DEFAULT_PATH,
    *,
    sha256: str | None = None,
    force: bool = False,
    progress: bool = True,
    timeout: float = TIMEOUT,
    stream: TextIO | None = None,
) -> Path:
    """Fetch ``url`` to ``dest`` atomically; returns ``dest``.

    Skips the download when ``dest`` exists (checking it against ``sha256`` if given) unless
    ``force``. Raises ``DownloadError`` with a one-line message; on any failure, including
    KeyboardInterrupt, the temporary file is removed and ``dest`` is left as it was.
    """
    dest = Path(dest).expanduser()
    expected = sha256.strip().lower() if sha256 else None
    log = stream if stream is not None else sys.stderr
    if dest.is_dir():
        raise DownloadError(f"{dest} is a folder: pass the archive's file path with --dest")
    if dest.exists() and not force:
        if expected and sha256_of(dest) != expected:
            raise DownloadError(
                f"{dest} exists but its sha256 is not {expected}: "
                "re-run with --force to download it again"
            )
        log.write(f"{dest} already exists, not downloading (use --force to replace it)\n")
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(
            dir=dest.parent, prefix=f".{dest.name}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise DownloadError(
            f"cannot write to {dest.parent} ({exc.strerror or exc}): choose another --dest"
        ) from exc
    temp = Path(handle.name)
    bar = None
    try:
        with handle:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    length = response.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                    bar = Progress(total, log)
                    done, actual = _copy(
                        response, handle, total, bar.update if progress else lambda _: None
                    )
            except urllib.error.HTTPError as exc:
                raise DownloadError(
                    f"download of {url} failed: HTTP {exc.code} {exc.reason}; {_manual_hint(url)}"
                ) from exc
            except urllib.error.URLError as exc:
                reason = exc.reason if exc.reason else exc
                raise DownloadError(
                    f"download of {url} failed: {_one_line(reason)}; check the "
                    f"network or the URL, or {_manual_hint(url)}"
                ) from exc
            # Timeouts, resets, a server closing early, an unknown URL scheme.
            except (OSError, ValueError, http.client.HTTPException) as exc:
                raise DownloadError(
                    f"download of {url} failed: {_one_line(exc)}; {_manual_hint(url)}"
                ) from exc
        if progress:
            bar.finish(done)
            bar = None
        if total is not None and done != total:
            raise DownloadError(
                f"download of {url} stopped at {done} of {total} bytes; "
                f"run it again, or {_manual_hint(url)}"
            )
        if expected and actual != expected:
            raise DownloadError(
                f"{url} has sha256 {actual}, expected {expected}: the download is "
                f"damaged or not the right file; run it again, or "
                f"{_manual_hint(url)}"
            )
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        if bar is not None:
            bar.abort()
        raise
    return dest


def download_goemotions(
    base_url: str = GOEMOTIONS_URL,
    dest: str | os.PathLike[str] = goemotions.DEFAULT_PATH,
    *,
    force: bool = False,
    progress: bool = True,
    stream: TextIO | None = None,
) -> Path:
    """Fetch GoEmotions' four official files into the folder ``dest``; returns it.

    Each file is fetched atomically by ``download``; ``dest`` is then what ``GOEMOTIONS_DATA``
    should name.
    """
    folder = Path(dest).expanduser()
    if folder.exists() and not folder.is_dir():
        raise DownloadError(f"{folder} is a file: GoEmotions goes into a folder (--dest)")
    base = base_url if base_url.endswith("/") else base_url + "/"
    for name in GOEMOTIONS_FILES:
        download(base + name, folder / name, force=force, progress=progress, stream=stream)
    return folder


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text or type(value).__name__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Download the IMDB Large Movie Review Dataset (aclImdb_v1.tar.gz), "
        "or GoEmotions with --dataset goemotions."
    )
    parser.add_argument("--dataset", choices=("imdb", "goemotions"), default="imdb")
    parser.add_argument(
        "--url",
        default=None,
        help="where to fetch it from (default: the official Stanford URL; for GoEmotions the "
        "google-research/goemotions data/ folder; file:// works too)",
    )
    parser.add_argument(
        "--dest",
        type=Path,
        default=None,
        help=f"where to save it (default: {DEFAULT_PATH}, or {goemotions.DEFAULT_PATH} for "
        f"GoEmotions); point {ENV_VAR} (or {goemotions.ENV_VAR}) at it if you change this",
    )
    parser.add_argument(
        "--sha256",
        default=None,
        help="expected sha256 of the file (default: the published checksum when "
        "--url is the official URL, otherwise no check; '' disables it)",
    )
    parser.add_argument(
        "--force", action="store_true", help="download again even if the destination exists"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.dataset == "goemotions":
        try:
            folder = download_goemotions(
                args.url or GOEMOTIONS_URL,
                args.dest or goemotions.DEFAULT_PATH,
                force=args.force,
                progress=not args.quiet,
            )
        except DownloadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted: no partial file was left behind", file=sys.stderr)
            return 130
        print(folder)
        return 0
    args.url = args.url or OFFICIAL_URL
    args.dest = args.dest or DEFAULT_PATH
    sha256 = args.sha256
    if sha256 is None and args.url == OFFICIAL_URL:
        sha256 = OFFICIAL_SHA256
    try:
        path = download(
            args.url, args.dest, sha256=sha256 or None, force=args.force, progress=not args.quiet
        )
    except DownloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted: nothing was written to {args.dest}", file=sys.stderr)
        return 130
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
