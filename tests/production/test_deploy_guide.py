"""The deployment guide works as written: its ``# step:`` blocks run in order against the machine's
PostgreSQL and a second Meilisearch process, and the server starts from its systemd ``ExecStart`` line.

Only the variables block is replaced (by this machine's values), and nginx / systemd are left out.
Skips without ``ROR_GRAPH_TEST_DATABASE_URL`` (CI runs it in the PostgreSQL pass).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from ror_graph.settings import Settings
from search_index.server import ManagedMeili, MeiliUnavailable, free_port
from tests.conftest import PG_URL
from tests.production.conftest import BIN, stop, wait_for

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
FINESS_SAMPLE = ROOT / "tests" / "importers" / "fixtures" / "etalab-cs1100507-geo.csv"
STEP = re.compile(r"```sh\n# step: ([\w-]+)\n(.*?)```", re.S)
SERVED_FROM = ("ready",)  # steps from here on need the server running


def steps() -> list[tuple[str, str]]:
    return STEP.findall(GUIDE.read_text())


def exec_start() -> list[str]:
    line = re.search(r"^ExecStart=(.+)$", GUIDE.read_text(), re.M)
    assert line, "the guide's systemd unit has no ExecStart line"
    return shlex.split(line[1])


def bash(script: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(["bash", "-c", f"set -euo pipefail\n{script}"], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=600, env={**os.environ, "PATH": f"{BIN.parent}:{os.environ['PATH']}"})
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_guide_documents_every_setting():
    table = GUIDE.read_text().split("## Every setting", 1)[1]
    for name in Settings.model_fields:
        assert f"`ROR_GRAPH_{name.upper()}`" in table, name
    for name in ("ROR_GRAPH_PASSWORD", "ROR_GRAPH_CACHE_DIR"):
        assert f"`{name}`" in table
    assert "docs/deploy.md" in (ROOT / "README.md").read_text()


def test_the_guide_runs_from_an_empty_postgresql_to_a_serving_instance(tmp_path):
    if not PG_URL:
        pytest.skip("set ROR_GRAPH_TEST_DATABASE_URL: the guide is run against PostgreSQL")
    missing = [tool for tool in ("psql", "createdb", "pg_dump", "curl", "jq") if not shutil.which(tool)]
    if missing or not BIN.exists():
        pytest.skip(f"missing tools: {missing or BIN}")
    try:  # the "external" Meilisearch: a second process with its own master key
        meili = ManagedMeili(tmp_path / "meili").start()
    except MeiliUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Meilisearch: {exc}")
    server, suffix = make_url(PG_URL), uuid.uuid4().hex[:8]
    role, database, port = f"rg_role_{suffix}", f"rg_guide_{suffix}", free_port()
    # given this machine's values for the guide's variables
    variables = {"PGHOST": server.host or "127.0.0.1", "PGPORT": str(server.port or 5432),
                 "PGUSER": server.username or "postgres", "PGPASSWORD": server.password or "",
                 "ROR_DB": database, "ROR_ROLE": role, "ROR_PASSWORD": "mot-de-passe-du-guide-2026",
                 "MEILI_URL": meili.url, "MEILI_MASTER_KEY": meili.master_key, "ROR_DATA_DIR": str(tmp_path / "var"),
                 "FINESS_FILE": str(FINESS_SAMPLE), "BACKUP_DIR": str(tmp_path / "backups"), "PORT": str(port)}
    prelude = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in variables.items())
    guide = [(name, body) for name, body in steps() if name != "settings"]
    assert [name for name, _ in guide][:4] == ["database", "meilisearch-key", "environment", "load"]
    before = "".join(body for name, body in guide[:[n for n, _ in guide].index(SERVED_FROM[0])])
    after = "".join(body for name, body in guide[[n for n, _ in guide].index(SERVED_FROM[0]):])
    env_file = tmp_path / "guide.env"
    try:
        # when its steps run up to serving, then each command succeeds
        bash(prelude + before + f"export -p > {shlex.quote(str(env_file))}\n", tmp_path)
        # when the server starts from the unit's ExecStart line (2 workers here)
        command = [str(BIN) if arg.endswith("/ror-graph") else arg for arg in exec_start()]
        command = [{"8000": str(port), "4": "2"}.get(arg, arg) for arg in command]
        log = (tmp_path / "serve.log").open("w")
        process = subprocess.Popen(["bash", "-c", f"source {shlex.quote(str(env_file))}; exec {shlex.join(command)}"],
                                   cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: _ready(port) or process.poll() is not None, "the guide's server", timeout=120)
            assert process.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            # then the probes, the backups and the upgrade steps succeed against it
            done = bash(f"source {shlex.quote(str(env_file))}\n" + after, tmp_path)
            assert list((tmp_path / "backups").glob("ror-*.dump"))
            assert "rebuilt with" in done.stderr
        finally:
            assert stop(process) == 0
            log.close()
    finally:
        meili.stop()
        subprocess.run(["psql", "-d", "postgres", "-c", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
                        "-c", f'DROP ROLE IF EXISTS "{role}"'], env={**os.environ, **variables},
                       capture_output=True, check=False)


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
