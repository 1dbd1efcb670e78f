"""A real PostgreSQL streaming replica for the tests: a primary cluster and a hot standby fed by it.

Built with the Debian PostgreSQL binaries (``initdb``, ``pg_basebackup -R``), run as the ``postgres``
user (initdb refuses root). ``cluster_pair()`` yields the two URLs and stops both clusters at the end;
it raises ``ReplicaUnavailable`` when the machine cannot run them (no binaries, not root nor postgres).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from search_index.server import free_port

PG_BIN = Path(os.environ.get("ROR_GRAPH_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


class ReplicaUnavailable(RuntimeError):
    pass


def _as_postgres(command: str) -> None:
    if os.geteuid() == 0:
        argv = ["su", "postgres", "-s", "/bin/sh", "-c", command]
    elif pwd.getpwuid(os.geteuid()).pw_name == "postgres":
        argv = ["/bin/sh", "-c", command]
    else:
        raise ReplicaUnavailable("the clusters must run as the postgres user (run the tests as root or postgres)")
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise ReplicaUnavailable(f"{command}: {done.stderr.strip()[-500:]}")


@contextlib.contextmanager
def cluster_pair() -> Iterator[tuple[str, str]]:
    """(primary URL, standby URL), both ``postgresql://postgres@127.0.0.1:<port>/postgres``."""
    if not (PG_BIN / "initdb").exists():
        raise ReplicaUnavailable(f"no PostgreSQL binaries in {PG_BIN}")
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ReplicaUnavailable("no postgres user") from exc
    base = Path(tempfile.mkdtemp(prefix="rg_replica_"))
    base.chmod(0o755)
    shutil.chown(base, "postgres", "postgres")
    primary, standby, ports = base / "primary", base / "standby", (free_port(), free_port())
    b, q = PG_BIN, shlex.quote
    started: list[Path] = []
    try:
        _as_postgres(f"{b}/initdb -D {q(str(primary))} -U postgres --auth=trust -E UTF8 >/dev/null")
        settings = (f"port = {ports[0]}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{base}'\n"
                    "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n")
        _as_postgres(f"printf %s {q(settings)} >> {q(str(primary / 'postgresql.conf'))}")
        _as_postgres(f"{b}/pg_ctl -D {q(str(primary))} -l {q(str(base / 'primary.log'))} -w start >/dev/null")
        started.append(primary)
        _as_postgres(f"{b}/pg_basebackup -h 127.0.0.1 -p {ports[0]} -U postgres -D {q(str(standby))} -R -X stream")
        _as_postgres(f"printf %s {q(f'port = {ports[1]}')} >> {q(str(standby / 'postgresql.auto.conf'))}")
        _as_postgres(f"{b}/pg_ctl -D {q(str(standby))} -l {q(str(base / 'standby.log'))} -w start >/dev/null")
        started.append(standby)
        yield tuple(f"postgresql://postgres@127.0.0.1:{port}/postgres" for port in ports)  # type: ignore[misc]
    finally:
        for data in reversed(started):
            with contextlib.suppress(ReplicaUnavailable):
                _as_postgres(f"{b}/pg_ctl -D {q(str(data))} -m immediate -w stop >/dev/null")
        shutil.rmtree(base, ignore_errors=True)
