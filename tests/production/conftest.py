"""Production tests run the real command line and real servers: ``ror-graph serve`` with several worker
processes, the managed or an external Meilisearch, SQLite or the machine's PostgreSQL.

Helpers here start them as an operator would (environment variables, a data directory, the CLI) and
read what happened from the outside (HTTP, the process table, the database file).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from search_index.server import free_port

BIN = Path(sys.executable).parent / "ror-graph"
START_TIMEOUT = 90.0


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an operator's shell: no ROR_GRAPH_* leaking from the test run, a data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROR_GRAPH_")}
    env.update(ROR_GRAPH_DATA_DIR=str(data_dir), ROR_GRAPH_SECURE_COOKIES="false", **extra)
    return env


def cli(env: dict[str, str], *args: str, cwd: Path | None = None, check: bool = True,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``ror-graph ARGS`` as a separate process; fails the test on a non-zero exit if ``check``."""
    if not BIN.exists():
        pytest.skip(f"the ror-graph command is not installed next to {sys.executable}")
    done = subprocess.run([str(BIN), *args], env=env, cwd=cwd or env["ROR_GRAPH_DATA_DIR"], capture_output=True,
                          text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        pytest.fail(f"ror-graph {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@contextmanager
def serving(env: dict[str, str], *args: str, cwd: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``ror-graph serve ARGS`` on a free port until ``/ready`` answers 200; SIGTERM and wait at exit."""
    port = free_port()
    log_path = Path(env["ROR_GRAPH_DATA_DIR"]).parent / f"serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([str(BIN), "serve", "--port", str(port), *args], env=env,
                                   cwd=cwd or env["ROR_GRAPH_DATA_DIR"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"serve not ready after {START_TIMEOUT}s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, process
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 60) -> int:
    """SIGTERM (what systemd and orchestrators send), then wait for the graceful exit."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def processes_using(marker: str, name: str = "meilisearch") -> list[int]:
    """Pids of live ``name`` processes whose command line mentions ``marker`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and argv and name in Path(argv[0].decode(errors="replace")).name \
                and marker.encode() in b" ".join(argv):
            found.append(int(entry.name))
    return found


def workers_of(pid: int) -> list[int]:
    """Uvicorn worker processes of the serve process ``pid`` (its spawned children, not the resource tracker)."""
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                argv = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z" and b"spawn_main" in argv:
                kids.append(int(entry.name))
    return kids


def wait_for(check, what: str, timeout: float = 60.0, interval: float = 0.2):
    """Poll ``check()`` until truthy (returned); fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"gave up waiting for {what}")
