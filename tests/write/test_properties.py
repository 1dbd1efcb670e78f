"""Property-based: random, huge or wrong mutation inputs never crash and never half-write.

The inputs are plain data parsed into the typed inputs inside the write (``parse``), as a form or
the CLI would send them, so wrong types are part of what is explored.

Each example either succeeds (and then the version moved by exactly one and audit rows were added)
or raises a ``DomainError`` (and then no watched table changed at all). Anything else — a database
error, a TypeError — fails the property. Examples run in a worker thread with their own event loop
and engine, because Hypothesis drives synchronous functions.
"""

from __future__ import annotations

import asyncio
from datetime import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ror_graph.db import make_engine, session_factory
from ror_graph.models import Etablissement
from ror_graph.services.core.errors import DomainError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.etablissement.write import DECLARED_SCALARS, update_etablissement
from ror_graph.services.unite.horaires import HoraireInput
from ror_graph.services.unite.inputs import UniteCreate
from ror_graph.services.unite.write import create_unite
from tests.write.conftest import EG_A, fingerprint, version_of

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
anything = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), st.text(min_size=290, max_size=5000),
    st.sampled_from(["01", "02", "003", "8", "9", "ZZ", "0601020304", "a@b.fr", "\x00", " "]),
)
codes = st.one_of(st.sampled_from(["01", "02", "03", "04", "003", "28", "46", "47", "99", ""]), st.text(max_size=12))
telecom = st.builds(dict, canal_code=codes | st.sampled_from(["8", "9", "3", "2"]), valeur=anything,
                    confidentialite=anything, utilisation=st.none() | st.text(max_size=150))
contact = st.builds(dict, nom=anything, nature_code=codes, confidentialite=anything,
                    telecoms=st.lists(telecom, max_size=3))
eg_changes = st.dictionaries(
    st.sampled_from([*DECLARED_SCALARS, "aides_financieres", "contacts", "tarifs", "raison_sociale", "version",
                     "n'importe quoi"]),
    anything | st.lists(codes, max_size=3) | st.lists(contact, max_size=3)
    | st.lists(st.builds(dict, type_code=codes, montant=anything), max_size=2),
    max_size=4,
)
unit_overrides = st.dictionaries(
    st.sampled_from(["nom", "champ_activite_code", "mode_prise_en_charge_code", "type_offre_code", "age_min",
                     "age_max", "unite_sensible", "activites", "publics", "horaires", "zone_intervention", "lieux",
                     "contacts"]),
    anything | st.lists(codes, max_size=3)
    | st.lists(st.builds(dict, jour=anything, heure_debut=st.times(), heure_fin=st.times()), max_size=2)
    | st.lists(st.builds(dict, commune_code=st.sampled_from(["75056", "99999", "2A004", "x"]),
                         capacites=st.lists(st.builds(dict, nature_code=codes, statut_code=codes,
                                                      nombre=anything), max_size=2)), max_size=2)
    | st.lists(contact, max_size=2),
    max_size=4,
)
VALID_UNIT = {"nom": "Accueil de jour", "champ_activite_code": "04", "mode_prise_en_charge_code": "47",
              "activites": ["003"], "age_min": 60, "age_max": 120, "unite_sensible": False,
              "horaires": [HoraireInput(jour=1, heure_debut=time(9), heure_fin=time(17))]}


async def _check(database_url: str, write) -> None:
    engine = make_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            before = await fingerprint(session)
            version = await version_of(session, Etablissement, finess=EG_A)
            try:
                await write(session, version)
            except DomainError:
                assert await fingerprint(session) == before
                return
            after = await fingerprint(session)
            assert len(after["audit_log"]) >= len(before["audit_log"])
            assert await version_of(session, Etablissement, finess=EG_A) in {version, version + 1}
    finally:
        await engine.dispose()


async def test_random_etablissement_changes(database_url, world):
    caller = world.principal("referent_a")

    @SETTINGS
    @given(changes=eg_changes)
    def prop(changes):
        asyncio.run(_check(database_url, lambda session, version: update_etablissement(
            session, caller, finess=EG_A, version=version, data=parse(EtablissementUpdate, changes))))

    await asyncio.to_thread(prop)


async def test_random_unite_creations(database_url, world):
    caller = world.principal("directeur_a")

    @SETTINGS
    @given(overrides=unit_overrides)
    def prop(overrides):
        asyncio.run(_check(database_url, lambda session, _version: create_unite(
            session, caller, finess=EG_A, data=parse(UniteCreate, {**VALID_UNIT, **overrides}))))

    await asyncio.to_thread(prop)
