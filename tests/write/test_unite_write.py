"""Offers: creation with every declared attribute, identifier, rules (codes, ages, capacity, communes), closure."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import select

from ror_graph.models import (
    Capacite,
    Equipement,
    EquipementLimite,
    Habitation,
    Horaire,
    Lieu,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.services.core.errors import BadInputError, DomainError, FinessLockedError, InvalidCodeError
from ror_graph.services.core.write import parse
from ror_graph.services.unite.contacts import ContactInput
from ror_graph.services.unite.horaires import HoraireInput
from ror_graph.services.unite.inputs import UniteClosure, UniteCreate, UniteUpdate
from ror_graph.services.unite.lieux import (
    EquipementInput,
    EquipementLimiteInput,
    HabitationInput,
    LieuInput,
)
from ror_graph.services.unite.write import create_unite, fermer_unite, update_unite
from tests.write.conftest import EG_A, T0, cap, count, fingerprint, tel, version_of

SSIAD = {
    "nom": "SSIAD Paris Centre", "type_offre_code": "28", "champ_activite_code": "04",
    "mode_prise_en_charge_code": "49",
    "temporalite_code": "02", "age_min": 60, "age_max": 120, "unite_sensible": False,
    "activites": ["003"], "publics": ["01", "02"], "modes_gestion": ["01"], "modalites_accueil": ["01"],
    "actes_specifiques": ["0001"], "specialisations": ["02"], "competences": ["01"], "professions": ["04"],
    "expertises": ["10"],
    "horaires": [HoraireInput(jour=d, heure_debut=time(8), heure_fin=time(18)) for d in range(1, 6)],
    "contacts": [ContactInput(nature_code="01", confidentialite=1, telecoms=[tel("2", "0144556677", 1)])],
    "zone_intervention": ["75101", "75102"],
    "lieux": [LieuInput(commune_code="75056", nom="Antenne", fonction_code="003", libelle_voie="rue de Rivoli",
                        latitude=48.86, longitude=2.35,
                        capacites=[cap("02", "01", 40),
                                   cap("02", "02", 3)],
                        equipements=[EquipementInput(type_code="003", nombre_en_service=2, limites=[
                            EquipementLimiteInput(caracteristique_code="001", valeur=250, unite="kg")])],
                        habitations=[HabitationInput(type_code="02", nombre=40)])],
}


async def create(session, world, data, role="referent_a"):
    return await create_unite(session, world.principal(role), finess=EG_A, data=parse(UniteCreate, data), now=T0)


async def test_create_with_every_attribute(session, world):
    # when a référent creates a complete SSIAD offer
    unite = await create(session, world, SSIAD)
    # then it gets the national identifier <region of the EG>/<id>
    assert unite.identifiant == f"11/{unite.id}" and unite.version == 1
    # and every attribute is stored
    codes = (await session.exec(select(UniteCode.attribute, UniteCode.code).where(UniteCode.unite_id == unite.id)))
    assert sorted(codes) == sorted([("activite", "003"), ("public", "01"), ("public", "02"), ("mode_gestion", "01"),
                                    ("modalite_accueil", "01"), ("acte_specifique", "0001"), ("specialisation", "02"),
                                    ("competence", "01"), ("profession", "04"), ("expertise", "10")])
    assert await count(session, "horaire", unite_id=unite.id) == 5
    zones = (await session.exec(select(ZoneIntervention.code).where(ZoneIntervention.unite_id == unite.id))).all()
    assert sorted(zones) == ["75101", "75102"]
    lieu = (await session.exec(select(Lieu).join(UniteLieu, UniteLieu.lieu_id == Lieu.id).where(
        UniteLieu.unite_id == unite.id))).one()
    assert lieu.commune_code == "75056" and lieu.etablissement_id == world.eg_a
    caps = (await session.exec(select(Capacite.statut_code, Capacite.nombre).where(Capacite.lieu_id == lieu.id)))
    assert sorted(caps) == [("01", 40), ("02", 3)]
    equipement = (await session.exec(select(Equipement))).one()
    assert equipement.nombre_en_service == 2
    assert (await session.exec(select(EquipementLimite))).one().valeur == 250
    assert (await session.exec(select(Habitation))).one().nombre == 40
    # and the creation is audited field by field, and queued for search
    assert await count(session, "audit_log", entity="unite", entity_id=unite.identifiant, field="lieux") == 1
    assert await count(session, "event_log", entity="unite", entity_id=unite.id) == 1


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"nom": None}, "BAD_INPUT", "nom"),
    ({"champ_activite_code": "99"}, "INVALID_CODE", "champ_activite_code"),
    ({"mode_prise_en_charge_code": "03"}, "INVALID_CODE", "mode_prise_en_charge_code"),  # deprecated
    ({"type_offre_code": "ZZZ"}, "INVALID_CODE", "type_offre_code"),
    ({"activites": []}, "BAD_INPUT", "activites"),
    ({"activites": ["002"]}, "INVALID_CODE", "activites"),  # deprecated activity
    ({"publics": ["77"]}, "INVALID_CODE", "publics"),
    ({"age_min": 70, "age_max": 60}, "BAD_INPUT", "age_min"),
    ({"age_max": 300}, "BAD_INPUT", "age_max"),
    ({"unite_sensible": None}, "BAD_INPUT", "unite_sensible"),
    ({"zone_intervention": ["75000"]}, "BAD_INPUT", "zone_intervention"),  # COG shape, no such commune
    ({"zone_intervention": ["7510"]}, "BAD_INPUT", "zone_intervention"),
    ({"horaires": [HoraireInput(jour=8, heure_debut=time(8), heure_fin=time(9))]}, "BAD_INPUT", "horaires[0].jour"),
    ({"horaires": [HoraireInput(jour=1, heure_debut=time(18), heure_fin=time(8))]}, "BAD_INPUT",
     "horaires[0].heureFin"),
    ({"contacts": [ContactInput(telecoms=[tel("2", "0144556677", 1)])]}, "BAD_INPUT",
     "contacts[0].confidentialite"),
    ({"lieux": [{"commune_code": None}]}, "BAD_INPUT", "lieux[0].commune_code"),  # refused by the typed input
    ({"lieux": [LieuInput(commune_code="99999")]}, "BAD_INPUT", "lieux[0].commune"),
    ({"lieux": [LieuInput(commune_code="75056", capacites=[cap("02", "01", 51)])]}, "BAD_INPUT", "lieux"),
    ({"lieux": [LieuInput(commune_code="75056", capacites=[cap("02", "01", -1)])]}, "BAD_INPUT",
     "lieux[0].capacites[0].nombre"),
    ({"lieux": [LieuInput(commune_code="75056", capacites=[cap("09", "01", 1)])]}, "INVALID_CODE",
     "lieux.TRE_R329-NatureCapacite"),
    ({"lieux": [LieuInput(commune_code="75056", capacites=[cap("02", "08", 1)])]}, "FINESS_LOCKED",
     "lieux[0].capacites[0].statut"),
    ({"lieux": [LieuInput(commune_code="75056", id=999)]}, "BAD_INPUT", "lieux[0].id"),
    ({"identifiant": "11/999"}, "BAD_INPUT", "identifiant"),
    ({"raison_sociale": "EHPAD"}, "FINESS_LOCKED", "raison_sociale"),
])
async def test_rules_refuse_and_write_nothing(session, world, change, code, field):
    before = await fingerprint(session)
    with pytest.raises(DomainError) as error:
        await create(session, world, {**SSIAD, **change})
    assert (error.value.code, error.value.field) == (code, field)
    assert await fingerprint(session) == before


async def test_installed_capacity_counts_every_lieu_of_the_eg(session, world):
    # given an offer with 40 installed places (authorised: 50)
    await create(session, world, SSIAD)
    # when a second offer declares 11 more installed places on another lieu
    more = {**SSIAD, "lieux": [LieuInput(commune_code="75056", capacites=[cap("02", "01", 11)])]}
    # then the EG would exceed its FINESS authorisation
    with pytest.raises(BadInputError, match=r"\(51\).*\(50\)"):
        await create(session, world, more)
    # but 10 fit
    more["lieux"] = [LieuInput(commune_code="75056", capacites=[cap("02", "01", 10)])]
    await create(session, world, more)


async def test_update_lists_and_reuse_a_lieu(session, world):
    unite = await create(session, world, SSIAD)
    lieu_id = (await session.exec(select(UniteLieu.lieu_id).where(UniteLieu.unite_id == unite.id))).one()
    # when the référent edits scalars and lists, keeping the lieu but changing its capacity
    updated = await update_unite(session, world.principal("referent_a"), identifiant=unite.identifiant,
                                 version=1, now=T0, data=parse(UniteUpdate, {
                                     "nom": "SSIAD Paris", "publics": ["01"],
                                     "lieux": [LieuInput(id=lieu_id, commune_code="75056",
                                                         capacites=[cap("02", "01", 45)])]}))
    # then the version moved on and the lieu was updated in place
    assert updated.version == 2 and updated.nom == "SSIAD Paris"
    assert await count(session, "lieu") == 1
    assert (await session.exec(select(Capacite.nombre))).all() == [45]
    assert await count(session, "equipement") == 0
    fields = (await session.exec(select(Horaire.id))).all()
    assert len(fields) == 5  # untouched lists stay
    audited = await count(session, "audit_log", entity="unite", entity_id=unite.identifiant)
    # identifiant + 8 scalars and 13 lists at creation + (nom, publics, lieux) now
    assert audited == 1 + 8 + 13 + 3


async def test_close_definitively_then_no_more_changes(session, world):
    unite = await create(session, world, SSIAD)
    closed = await fermer_unite(session, world.principal("directeur_a"), identifiant=unite.identifiant, version=1,
                                data=UniteClosure(date_fermeture=date(2026, 2, 1), type_fermeture_code="DEF"), now=T0)
    assert closed.ferme and closed.version == 2 and closed.type_fermeture_code == "DEF"
    assert await count(session, "event_log", entity="unite", entity_id=unite.id) == 2
    with pytest.raises(BadInputError):
        await update_unite(session, world.principal("referent_a"), identifiant=unite.identifiant, version=2,
                           data=parse(UniteUpdate, {"nom": "x"}))


async def test_provisional_closure_keeps_the_offer_open_with_a_reopening_date(session, world):
    version = await version_of(session, Unite, identifiant=world.unite_a)
    unite = await fermer_unite(session, world.principal("referent_a"), identifiant=world.unite_a, version=version,
                               data=UniteClosure(date_fermeture=date(2026, 7, 1), type_fermeture_code="PRO",
                                                 date_reouverture_prevue=date(2026, 9, 1)))
    assert not unite.ferme and unite.date_reouverture_prevue == date(2026, 9, 1)
    with pytest.raises(InvalidCodeError):
        await fermer_unite(session, world.principal("referent_a"), identifiant=world.unite_a,
                           version=unite.version,
                           data=UniteClosure(date_fermeture=date(2026, 7, 1), type_fermeture_code="XXX"))


async def test_capacity_statut_09_is_finess_locked_on_update_too(session, world):
    version = await version_of(session, Unite, identifiant=world.unite_a)
    with pytest.raises(FinessLockedError):
        await update_unite(session, world.principal("support"), identifiant=world.unite_a, version=version,
                           data=parse(UniteUpdate, {"lieux": [LieuInput(commune_code="75056",
                                                        capacites=[cap("02", "09", 50)])]}))
