"""Each quality rule fires on the situation it describes and clears once it is fixed; the queue
reopens an anomaly whose rule fires again, keeps a closed one closed while it still fires; writes
re-evaluate through the ``qualite`` event consumer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import delete, update
from sqlmodel import col, select

from ror_graph.models import (
    Anomalie,
    Capacite,
    Etablissement,
    Lieu,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.models.coded import ACTIVITE
from ror_graph.services.core.errors import BadInputError, ForbiddenError
from ror_graph.services.events.consumers import run_batch
from ror_graph.services.qualite import gestion, moteur
from ror_graph.services.qualite.regles import REGLES
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.write import update_unite

Step = Callable[..., Awaitable[None]]


async def _unit(session, world) -> Unite:
    return (await session.exec(select(Unite).where(Unite.identifiant == world.unite_a))).one()


async def _set_unit(session, world, **values) -> None:
    unite = await _unit(session, world)
    await session.exec(update(Unite).where(col(Unite.id) == unite.id).values(**values))  # type: ignore[call-overload]


async def _set_eg(session, world, **values) -> None:
    await session.exec(update(Etablissement).where(col(Etablissement.id) == world.eg_a).values(**values))  # type: ignore[call-overload]


async def _capacity(session, world, nombre: int) -> None:
    unite = await _unit(session, world)
    await session.exec(delete(UniteLieu).where(col(UniteLieu.unite_id) == unite.id))  # type: ignore[call-overload]
    lieu = Lieu(etablissement_id=world.eg_a, nom="Bâtiment A")
    session.add(lieu)
    await session.flush()
    session.add_all([UniteLieu(unite_id=unite.id, lieu_id=lieu.id),
                     Capacite(lieu_id=lieu.id, nature_code="02", statut_code="01", nombre=nombre)])


async def nothing(session, world) -> None:
    """The world as inserted already breaks the rule."""


async def drop_activite(session, world):
    unite = await _unit(session, world)
    await session.exec(delete(UniteCode).where(col(UniteCode.unite_id) == unite.id))  # type: ignore[call-overload]


async def add_activite(session, world):
    unite = await _unit(session, world)
    session.add(UniteCode(unite_id=unite.id, attribute="activite", system=ACTIVITE, code="003"))


async def invert_ages(session, world):
    await _set_unit(session, world, age_min=80, age_max=60)


async def fix_ages(session, world):
    await _set_unit(session, world, age_min=60, age_max=120)


async def home_care(session, world):
    await _set_unit(session, world, mode_prise_en_charge_code="49")


async def add_zone(session, world):
    session.add(ZoneIntervention(unite_id=(await _unit(session, world)).id, type_code="2", code="75"))


async def capacity_60(session, world):
    await _capacity(session, world, 60)


async def capacity_40(session, world):
    await _capacity(session, world, 40)


async def finess_phone(session, world):
    await _set_eg(session, world, telephone="0140000000")


async def in_lyon(session, world):
    await _set_eg(session, world, latitude=45.76, longitude=4.83)


async def in_paris(session, world):
    await _set_eg(session, world, latitude=48.87, longitude=2.33)


async def close_eg(session, world):
    await _set_eg(session, world, ferme=True)


async def close_offer(session, world):
    await _set_unit(session, world, ferme=True)


async def twin_offer(session, world):
    u = await _unit(session, world)
    twin = Unite(etablissement_id=world.eg_a, nom=u.nom.replace("permanent", "PERMANENT"), identifiant="11/999",
                 type_offre_code=u.type_offre_code, champ_activite_code="04", mode_prise_en_charge_code="46",
                 temporalite_code="02", age_min=60, age_max=120)
    session.add(twin)


async def rename_twin(session, world):
    await session.exec(update(Unite).where(col(Unite.identifiant) == "11/999").values(nom="Accueil de jour"))  # type: ignore[call-overload]


CASES: dict[str, tuple[Step, Step]] = {
    "offre_sans_activite": (drop_activite, add_activite),
    "tranche_age": (invert_ages, fix_ages),
    "ehpad_sans_hebergement_permanent": (nothing, capacity_40),
    "zone_intervention_absente": (home_care, add_zone),
    "capacite_superieure_finess": (capacity_60, capacity_40),
    "sans_telephone_public": (nothing, finess_phone),
    "coordonnees_hors_departement": (in_lyon, in_paris),
    "eg_ferme_offres_ouvertes": (close_eg, close_offer),
    "doublon_probable": (twin_offer, rename_twin),
}


def test_every_rule_has_a_case():
    assert sorted(CASES) == sorted(r.code for r in REGLES)


async def of_rule(session, code: str, eg_id: int | None = None) -> list[Anomalie]:
    session.expire_all()
    query = select(Anomalie).where(Anomalie.regle == code)
    if eg_id is not None:
        query = query.where(Anomalie.etablissement_id == eg_id)
    return list((await session.exec(query)).all())


@pytest.mark.parametrize("code", sorted(CASES))
async def test_rule_fires_then_clears(session, world, code):
    breaks, fixes = CASES[code]
    # given EG A in the situation the rule describes
    await breaks(session, world)
    await session.commit()
    # when the rules run over it, then one open anomaly of that rule is on EG A (EG B untouched)
    await moteur.evaluer(session, [world.eg_a])
    await session.commit()
    [row] = await of_rule(session, code)
    assert (row.etablissement_id, row.statut, row.active) == (world.eg_a, "ouverte", True)
    assert row.message.startswith(next(r.libelle for r in REGLES if r.code == code))
    # when it is fixed, the anomaly is resolved
    await fixes(session, world)
    await session.commit()
    await moteur.evaluer(session, None)  # the nightly pass over everything
    await session.commit()
    [row] = await of_rule(session, code, world.eg_a)
    assert (row.statut, row.active) == ("resolue", False)


async def test_closed_stays_closed_while_firing_and_reopens_when_it_fires_again(session, world):
    await invert_ages(session, world)
    await session.commit()
    await moteur.evaluer(session, [world.eg_a])
    await session.commit()
    [row] = await of_rule(session, "tranche_age")
    # support assigns and closes it with a comment (audited); refused without one, or for a référent
    with pytest.raises(BadInputError):
        await gestion.fermer(session, row.id, "  ", actor="support@example.fr", role="support")
    with pytest.raises(ForbiddenError):
        await gestion.fermer(session, row.id, "vu", actor="referent.a@example.fr", role="referent")
    await gestion.assigner(session, row.id, "agent@ars.fr", actor="support@example.fr", role="support")
    await gestion.fermer(session, row.id, "Vérifié avec l'établissement", actor="support@example.fr", role="support")
    # the rule still fires: the closure holds
    await moteur.evaluer(session, [world.eg_a])
    await session.commit()
    [row] = await of_rule(session, "tranche_age")
    assert (row.statut, row.assignee, row.commentaire) == ("fermee", "agent@ars.fr", "Vérifié avec l'établissement")
    # fixed, then broken again: reopened
    for step in (fix_ages, invert_ages):
        await step(session, world)
        await session.commit()
        await moteur.evaluer(session, [world.eg_a])
        await session.commit()
    [row] = await of_rule(session, "tranche_age")
    assert (row.statut, row.reouvertures, row.active) == ("ouverte", 1, True)


async def test_a_write_is_checked_by_the_qualite_consumer(session, sessions, world):
    # given a référent turns his offer into home care (sur les lieux de vie) without a zone, through the API service
    unite = await _unit(session, world)
    unite_id = unite.id
    await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a, version=unite.version,
                       data=UniteUpdate(mode_prise_en_charge_code="49"))
    # when the consumer processes the events, then the anomaly is there, for EG A only
    result = await run_batch(sessions, "qualite", "w1", moteur.sur_evenements, batch_size=100)
    assert result.error is None and result.outcome.ouvertes >= 1
    [row] = await of_rule(session, "zone_intervention_absente")
    assert row.etablissement_id == world.eg_a and row.unite_id == unite_id
    assert await of_rule(session, "sans_telephone_public", world.eg_b) == []  # EG B was not touched
    # and a second worker finds nothing left to do
    again = await run_batch(sessions, "qualite", "w2", moteur.sur_evenements, batch_size=100)
    assert again.events == []
