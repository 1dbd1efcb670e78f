"""Fixtures of the read API: a small but realistic directory, and helpers to run GraphQL against it.

The directory (rows inserted directly, no services involved):

* EJ ``440000016`` "CHU Estuaire" with
  - EG ``440000024`` "EHPAD Les Tilleuls" (Nantes 44109, catégorie 500, open) whose offers are
    ``52/1`` "Hébergement permanent" (MS, publics 01, ages 60-120, activités 003 + 004, a lieu with
    capacities, equipment and housing, an offer contact at level 1 with a level-1 phone, a level-2
    phone and a level-3 phone) and ``52/2`` "Unité protégée" (sensitive, ages 60-120);
    EG contacts at levels 1, 2 and 3;
  - EG ``490000031`` "Centre de soins Angers" (Angers 49007, catégorie 355) with offer ``52/3``
    "Addictologie" (MCO, public 04, ages 18-65, activité 001).
* EJ ``750000013`` "Association Parisienne" with EG ``750000021`` "Foyer fermé" (Paris 75056,
  catégorie 500, closed) and offer ``11/4`` "Accueil de jour" (MS, public 02, ages 20-60, closed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.db import session_factory
from ror_graph.models import (
    Capacite,
    Contact,
    EntiteJuridique,
    Equipement,
    EquipementLimite,
    Etablissement,
    EtablissementCode,
    Habitation,
    Horaire,
    Lieu,
    Tarif,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
    coded,
)
from ror_graph.resolvers.context import make_context
from ror_graph.schema.root import schema
from ror_graph.services.accounts.auth import ANONYMOUS, Caller
from ror_graph.settings import Settings
from ror_graph.state import AppState

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Directory:
    """Ids of the fixture rows the tests refer to."""

    ehpad: Etablissement
    centre: Etablissement
    foyer: Etablissement
    hebergement: Unite
    protegee: Unite
    addicto: Unite
    accueil: Unite


def unite_codes(unite_id: int, attribute: coded.UniteAttribute, *codes: str) -> list[UniteCode]:
    system = coded.UNITE_ATTRIBUTE_SYSTEMS[attribute]
    return [UniteCode(unite_id=unite_id, attribute=attribute.value, system=system, code=c) for c in codes]


async def add(session: AsyncSession, *rows: Any) -> None:
    session.add_all(rows)
    await session.flush()


@pytest.fixture
async def directory(session: AsyncSession) -> Directory:
    chu = EntiteJuridique(finess="440000016", raison_sociale="CHU Estuaire", commune_code="44109")
    asso = EntiteJuridique(finess="750000013", raison_sociale="Association Parisienne", commune_code="75056")
    await add(session, chu, asso)
    ehpad = Etablissement(
        finess="440000024",
        entite_juridique_id=chu.id,
        raison_sociale="EHPAD Les Tilleuls",
        categorie_code="500",
        commune_code="44109",
        code_postal="44000",
        libelle_voie="RUE DES TILLEULS",
        departement_code="44",
        region_code="52",
        telephone="0240000000",
        updated_at=T0,
    )
    centre = Etablissement(
        finess="490000031",
        entite_juridique_id=chu.id,
        raison_sociale="Centre de soins Angers",
        categorie_code="355",
        commune_code="49007",
        departement_code="49",
        region_code="52",
        updated_at=T0,
    )
    foyer = Etablissement(
        finess="750000021",
        entite_juridique_id=asso.id,
        raison_sociale="Foyer fermé",
        categorie_code="500",
        commune_code="75056",
        departement_code="75",
        region_code="11",
        ferme=True,
        updated_at=datetime(2025, 6, 1, tzinfo=UTC),
    )
    await add(session, ehpad, centre, foyer)
    hebergement = Unite(
        identifiant="52/1",
        etablissement_id=ehpad.id,
        nom="Hébergement permanent",
        type_offre_code="17",
        champ_activite_code="04",
        mode_prise_en_charge_code="09",
        temporalite_code="01",
        age_min=60,
        age_max=120,
    )
    protegee = Unite(
        identifiant="52/2",
        etablissement_id=ehpad.id,
        nom="Unité protégée",
        champ_activite_code="04",
        mode_prise_en_charge_code="09",
        age_min=60,
        age_max=120,
        unite_sensible=True,
    )
    addicto = Unite(
        identifiant="52/3",
        etablissement_id=centre.id,
        nom="Addictologie",
        champ_activite_code="01",
        mode_prise_en_charge_code="13",
        age_min=18,
        age_max=65,
    )
    accueil = Unite(
        identifiant="11/4",
        etablissement_id=foyer.id,
        nom="Accueil de jour",
        champ_activite_code="04",
        mode_prise_en_charge_code="09",
        age_min=20,
        age_max=60,
        ferme=True,
    )
    await add(session, hebergement, protegee, addicto, accueil)
    A = coded.UniteAttribute
    await add(
        session,
        *unite_codes(hebergement.id, A.activite, "003", "004"),
        *unite_codes(hebergement.id, A.public, "01"),
        *unite_codes(protegee.id, A.activite, "003"),
        *unite_codes(protegee.id, A.public, "01"),
        *unite_codes(addicto.id, A.activite, "001"),
        *unite_codes(addicto.id, A.public, "04"),
        *unite_codes(accueil.id, A.activite, "004"),
        *unite_codes(accueil.id, A.public, "02"),
        EtablissementCode(
            etablissement_id=ehpad.id, attribute="aide_financiere", system=coded.AIDE_FINANCIERE, code="02"
        ),
        Tarif(etablissement_id=ehpad.id, type_code="02", montant=Decimal("72.50"), unite_prix="J"),
        Horaire(unite_id=hebergement.id, jour=1, heure_debut=time(8), heure_fin=time(18)),
        ZoneIntervention(unite_id=addicto.id, type_code="3", code="49007"),
    )
    lieu = Lieu(etablissement_id=ehpad.id, nom="Bâtiment A", commune_code="44109", fonction_code="003", latitude=47.2)
    await add(session, lieu)
    equipement = Equipement(lieu_id=lieu.id, type_code="009", nombre_en_service=2)
    await add(
        session,
        equipement,
        UniteLieu(unite_id=hebergement.id, lieu_id=lieu.id),
        Capacite(lieu_id=lieu.id, nature_code="02", statut_code="01", nombre=40),
        Habitation(lieu_id=lieu.id, type_code="02", nombre=38),
    )
    await add(session, EquipementLimite(equipement_id=equipement.id, caracteristique_code="01", valeur=250, unite="kg"))
    eg_contacts = [
        Contact(etablissement_id=ehpad.id, nom=f"Contact niveau {level}", nature_code="01", confidentialite=level)
        for level in (1, 2, 3)
    ]
    offer_contact = Contact(etablissement_id=ehpad.id, unite_id=hebergement.id, nom="Accueil", confidentialite=1)
    await add(session, *eg_contacts, offer_contact)
    await add(
        session,
        *(
            Telecom(
                contact_id=c.id,
                canal_code="2",
                valeur=f"020000000{c.confidentialite}",
                confidentialite=c.confidentialite,
            )
            for c in eg_contacts
        ),
        Telecom(contact_id=offer_contact.id, canal_code="2", valeur="0240000001", confidentialite=1),
        Telecom(contact_id=offer_contact.id, canal_code="2", valeur="0240000002", confidentialite=2),
        Telecom(contact_id=offer_contact.id, canal_code="1", valeur="0640000003", confidentialite=3),
    )
    await session.commit()
    return Directory(ehpad, centre, foyer, hebergement, protegee, addicto, accueil)


@pytest.fixture
def app_state(engine: AsyncEngine, database_url: str) -> AppState:
    return AppState(
        settings=Settings(database_url=database_url, meili_managed=False),
        engine=engine,
        sessions=session_factory(engine),
    )


Gql = Callable[..., Awaitable[Any]]


@pytest.fixture
def gql(app_state: AppState) -> Gql:
    """Run a query through ``schema.execute`` with a real ``Context`` (fresh session) for ``caller``."""

    async def execute(query: str, variables: dict | None = None, *, caller: Caller = ANONYMOUS):
        async with app_state.sessions() as session:
            context = await make_context(app_state, session, caller)
            return await schema.execute(query, variable_values=variables, context_value=context)

    return execute


@pytest.fixture
async def data(gql: Gql) -> Callable[..., Awaitable[dict]]:
    """Like ``gql`` but asserts there was no error and returns ``data``."""

    async def run(query: str, variables: dict | None = None, **kwargs: Any) -> dict:
        result = await gql(query, variables, **kwargs)
        assert result.errors is None, result.errors
        return result.data

    return run


@pytest.fixture
async def http(database_url: str) -> AsyncIterator[Any]:
    """An httpx client talking to the real app (``create_app``), lifespan included, no Meilisearch."""
    import httpx

    from ror_graph.app import create_app

    app = create_app(Settings(database_url=database_url, meili_managed=False))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client
