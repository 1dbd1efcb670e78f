"""A separate OS process editing one offer N times (used by ``test_concurrency``).

``python -m tests.feed.write_worker URL IDENTIFIANT COUNT ACCOUNT_ID``: prints ``ready``, waits for a
line on stdin (so that both writers start together), then sets the offer's comment to ``w0`` … ``wN-1``,
one committed write each, as the support account ``ACCOUNT_ID``.
"""

from __future__ import annotations

import asyncio
import sys

from sqlmodel import select

from ror_graph.db import make_engine, session_factory
from ror_graph.models import Unite
from ror_graph.services.accounts.auth import caller_for_profile
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.write import parse
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.write import update_unite


async def main(url: str, identifiant: str, count: int, account_id: int) -> None:
    engine = make_engine(url)
    principal = Principal.from_caller(caller_for_profile("regulation", account_id=account_id,
                                                         email="support@example.fr", role="support"))
    async with session_factory(engine)() as session:
        for n in range(count):
            version = (await session.exec(select(Unite.version).where(Unite.identifiant == identifiant))).one()
            await session.commit()
            await update_unite(session, principal, identifiant=identifiant, version=version,
                               data=parse(UniteUpdate, {"commentaire": f"w{n}"}))
    await engine.dispose()


if __name__ == "__main__":
    url, identifiant, count, account_id = sys.argv[1:5]
    print("ready", flush=True)
    sys.stdin.readline()
    asyncio.run(main(url, identifiant, int(count), int(account_id)))
