"""Description lifecycle: edit → à valider → validé → à mettre à jour after 12 months; completeness; indicators."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlmodel import select

from ror_graph.models import AuditLog, Etablissement, Unite
from ror_graph.services.core.errors import BadInputError, ForbiddenError
from ror_graph.services.core.write import parse
from ror_graph.services.etablissement.inputs import EtablissementUpdate, EtablissementValidation
from ror_graph.services.etablissement.write import update_etablissement
from ror_graph.services.suivi.completeness import completeness_etablissement, completeness_unite
from ror_graph.services.suivi.validation_flow import a_mettre_a_jour, indicateurs, valider_etablissement
from ror_graph.services.unite.contacts import ContactInput
from ror_graph.services.unite.horaires import HoraireInput
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.lieux import LieuInput
from ror_graph.services.unite.write import update_unite
from tests.write.conftest import EG_A, EG_B, T0, cap, tel, version_of

CONTACTS = [
    ContactInput(nature_code="06", telecoms=[tel("2", "0145678900", 1)]),
    ContactInput(nature_code="10", telecoms=[tel("2", "0145678901", 2), tel("3", "dir@ehpad.fr", 2)]),
    ContactInput(nature_code="13", telecoms=[tel("8", "0601020304", 2)]),
]


async def get_eg(session, finess=EG_A) -> Etablissement:
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == finess))).one()
    await session.refresh(eg)
    return eg


async def test_edit_then_validate_then_stale_after_13_months(session, world):
    # given a freshly imported EG: à compléter, never validated
    eg = await get_eg(session)
    assert eg.statut_description == "a_completer" and a_mettre_a_jour(eg, now=T0)
    # when the référent edits it, it waits for validation
    eg = await update_etablissement(session, world.principal("referent_a"), finess=EG_A, version=1,
                                    data=parse(EtablissementUpdate, {"nom_operationnel": "Les Tilleuls"}), now=T0)
    assert eg.statut_description == "modifie"
    assert (eg.derniere_modification_at, eg.derniere_modification_par) == (T0, "referent.a@example.fr")
    # and the référent cannot validate it himself
    with pytest.raises(ForbiddenError):
        await valider_etablissement(session, world.principal("referent_a"), finess=EG_A, now=T0)
    # when the directeur validates it (a week later), it is validé and fresh
    later = T0 + timedelta(days=7)
    eg = await valider_etablissement(session, world.principal("directeur_a"), finess=EG_A, version=2, now=later)
    assert eg.statut_description == "valide" and eg.version == 3
    assert (eg.derniere_validation_at, eg.derniere_validation_par) == (later, "directeur.a@example.fr")
    assert not a_mettre_a_jour(eg, now=later + timedelta(days=300))
    # then 13 months later it must be updated again
    assert a_mettre_a_jour(eg, now=later + timedelta(days=396))
    audited = (await session.exec(select(AuditLog.field).where(AuditLog.role == "directeur"))).all()
    assert sorted(audited) == ["derniere_validation_at", "derniere_validation_par", "statut_description"]


async def test_a_unit_edit_also_puts_the_eg_back_to_validate(session, world):
    await valider_etablissement(session, world.principal("directeur_a"), finess=EG_A, now=T0)
    version = await version_of(session, Unite, identifiant=world.unite_a)
    await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a, version=version,
                       data=parse(UniteUpdate, {"nom": "Hébergement permanent Alzheimer"}), now=T0 + timedelta(days=1))
    assert (await get_eg(session)).statut_description == "modifie"


async def test_support_validates_on_behalf_only_with_a_motif(session, world):
    with pytest.raises(BadInputError) as error:
        await valider_etablissement(session, world.principal("support"), finess=EG_B, now=T0)
    assert error.value.field == "motif"
    eg = await valider_etablissement(session, world.principal("support"), finess=EG_B, now=T0,
                                     data=EtablissementValidation(
                                         motif="Directeur en congé, validation demandée par téléphone"))
    assert eg.statut_description == "valide"
    motifs = (await session.exec(select(AuditLog.motif).where(AuditLog.entity_id == EG_B))).all()
    assert set(motifs) == {"Directeur en congé, validation demandée par téléphone"}


async def test_completeness_lists_what_is_missing(session, world):
    # given the imported EG A without contacts and its offer without public, contact, capacity
    eg = await get_eg(session)
    unite = (await session.exec(select(Unite).where(Unite.identifiant == world.unite_a))).one()
    before = await completeness_etablissement(session, eg)
    assert before.missing == ("telephone_standard", "telephone_direction", "email_direction", "alerte")
    assert before.score == 0.2
    unit_before = await completeness_unite(session, unite)
    # hébergement (mode 46) runs round the clock: no opening hours needed
    assert unit_before.missing == ("publics", "contact", "capacite_installee")
    # when the contacts and the offer are completed
    await update_etablissement(session, world.principal("referent_a"), finess=EG_A, version=1,
                               data=parse(EtablissementUpdate, {"contacts": CONTACTS}))
    await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a, version=1,
                       data=parse(UniteUpdate, {
        "publics": ["01"],
        "contacts": [ContactInput(nature_code="01", confidentialite=1, telecoms=[tel("2", "0145678902", 1)])],
        "lieux": [LieuInput(commune_code="75056", capacites=[cap("02", "01", 40)])],
    }))
    # then both are complete
    assert (await completeness_etablissement(session, await get_eg(session))).score == 1.0
    await session.refresh(unite)
    assert (await completeness_unite(session, unite)).complete


async def test_a_day_unit_needs_opening_hours(session, world):
    await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a, version=1,
                       data=parse(UniteUpdate, {"mode_prise_en_charge_code": "47"}))
    unite = (await session.exec(select(Unite).where(Unite.identifiant == world.unite_a))).one()
    await session.refresh(unite)
    assert "horaires" in (await completeness_unite(session, unite)).missing
    await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a, version=2,
                       data=parse(UniteUpdate, {
        "horaires": [HoraireInput(jour=1, heure_debut=time(9), heure_fin=time(17))]}))
    await session.refresh(unite)
    assert "horaires" not in (await completeness_unite(session, unite)).missing


async def test_indicateurs_by_departement_and_region(session, world):
    # given EG A complete and validated, EG B neither
    await update_etablissement(session, world.principal("referent_a"), finess=EG_A, version=1,
                               data=parse(EtablissementUpdate, {"contacts": CONTACTS}))
    await update_unite(session, world.principal("referent_a"), identifiant=world.unite_a, version=1,
                       data=parse(UniteUpdate, {
        "publics": ["01"],
        "contacts": [ContactInput(nature_code="01", confidentialite=1, telecoms=[tel("2", "0145678902", 1)])],
        "lieux": [LieuInput(commune_code="75056", capacites=[cap("02", "01", 40)])],
    }))
    await valider_etablissement(session, world.principal("directeur_a"), finess=EG_A, now=T0)
    # then Paris is fully complete and validated, Lyon not at all, and nationally half of each
    paris = await indicateurs(session, departement="75", now=T0 + timedelta(days=30))
    assert (paris.total, paris.complets, paris.valides_12_mois, paris.a_mettre_a_jour) == (1, 1, 1, 0)
    lyon = await indicateurs(session, region="84", now=T0)
    assert (lyon.total, lyon.complets, lyon.valides_12_mois, lyon.part_complets) == (1, 0, 0, 0.0)
    national = await indicateurs(session, now=T0)
    assert (national.part_complets, national.part_valides) == (0.5, 0.5)
    # and 13 months later the validation has expired
    stale = await indicateurs(session, departement="75", now=T0 + timedelta(days=396))
    assert (stale.valides_12_mois, stale.a_mettre_a_jour, stale.part_valides) == (0, 1, 0.0)
