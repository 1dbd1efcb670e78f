"""Every rule a FINESS correction must pass, one case each, through the support agent's form.

Given a Paris EG (commune 75056, postal code 75001, département 75, région 11), when support posts a
correction that breaks one rule, then the form answers 400 with a French message naming the field
and what was wrong, nothing raw from Python, and the row, its audit and its events are unchanged.
"""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
from sqlmodel import select

from ror_graph.models import AuditLog, EntiteJuridique, Etablissement, Event
from ror_graph.services.finess.batch_checks import IMPORT_SHAPES, value_problem
from tests.admin.conftest import Seeded, page_token

# Words Python or a library would put in a message: none may reach a support agent.
RAW = re.compile(r"could not convert|isoformat|out of range|invalid literal|Traceback|ValueError|"
                 r"object has no|NoneType|is not in [A-Z]")

RULES = [
    # (field, value, words the French message must hold)
    ("code_postal", "ABCDE", "code postal de 5 chiffres"),
    ("code_postal", "7500", "code postal de 5 chiffres"),
    ("code_postal", "49000", "n'est pas un code postal du département 75"),
    ("commune_code", "ZZ999", "code commune INSEE (COG) de 5 caractères"),
    ("commune_code", "75999", "n'existe pas dans le COG"),
    ("departement_code", "ZZ", "code département attendu"),
    ("departement_code", "49", "la commune 75056 est dans le département 75"),
    ("departement_code", "99", "n'existe pas dans le COG"),
    ("region_code", "5", "code région INSEE de 2 chiffres"),
    ("region_code", "52", "est dans la région 11"),
    ("latitude", "abc", "n'est pas un nombre décimal"),
    ("latitude", "nan", "n'est pas un nombre décimal"),
    ("latitude", "95", "hors limites"),
    ("latitude", "2.35", "hors du département Paris (75)"),
    ("longitude", "48.85", "hors du département Paris (75)"),
    ("date_ouverture", "13/02/1979", "format AAAA-MM-JJ"),
    ("date_ouverture", "2023-02-30", "n'existe pas"),
    ("date_fermeture", "1999-12-31", "tombe avant la date d'ouverture"),
    ("categorie_code", "5A0", "code catégorie FINESS à 3 chiffres"),
    ("categorie_code", "999", "n'existe pas dans la nomenclature"),
    ("type_fermeture_code", "ZZ", "n'existe pas dans la nomenclature"),
    ("siret", "20003001300012", "SIRET invalide"),
    ("telephone", "12345", "numéro de téléphone invalide"),
    ("courriel", "accueil@", "adresse électronique invalide"),
    ("ferme", "peut-être", "répondez oui ou non"),
    ("raison_sociale", "", "ne peut pas être vide"),
    ("raison_sociale", "X" * 301, "301 caractères, 300 au plus"),
]


async def _snapshot(session, eg_id: int) -> tuple:
    session.expire_all()
    eg = await session.get(Etablissement, eg_id)
    audits = len((await session.exec(select(AuditLog))).all())
    events = len((await session.exec(select(Event))).all())
    return eg.model_dump(exclude={"updated_at"}), audits, events


async def _correct(support: httpx.AsyncClient, eg_id: int, champ: str, valeur: str) -> httpx.Response:
    return await support.post(f"/admin/etablissement/corriger-finess/{eg_id}", data={
        "champ": champ, "valeur": valeur, "motif": "Courrier de l'ARS", "csrf_token": await page_token(support)})


@pytest.fixture
async def paris_eg(session, structures: Seeded) -> int:
    """The first seeded EG (Paris), opened on 2005-04-03 so date order can be checked."""
    eg = await session.get(Etablissement, structures.eg_ids[0])
    eg.date_ouverture = date(2005, 4, 3)
    session.add(eg)
    await session.commit()
    return structures.eg_ids[0]


@pytest.mark.parametrize(("field", "value", "expected"), RULES, ids=[f"{f}={v[:12]}" for f, v, _ in RULES])
async def test_a_correction_breaking_a_rule_is_refused_in_french_and_changes_nothing(
        support: httpx.AsyncClient, session, paris_eg: int, field: str, value: str, expected: str):
    # given the EG as it is, its audit and its events
    before = await _snapshot(session, paris_eg)
    # when support corrects one field with a value breaking one rule
    response = await _correct(support, paris_eg, field, value)
    # then the form says why, in French, and nothing was written
    assert response.status_code == 400, response.text[:300]
    error = re.search(r'id="form-error"[^>]*>(.*?)</', response.text, re.S)
    assert error, "no error banner"
    assert expected in error.group(1).replace("&#39;", "'").replace("&#34;", '"'), error.group(1)
    assert not RAW.search(error.group(1)), error.group(1)
    assert await _snapshot(session, paris_eg) == before


@pytest.mark.parametrize(("field", "value", "stored"), [
    ("code_postal", "75015", "75015"),
    ("code_postal", "75700", "75700"),  # a CEDEX code of the département
    ("latitude", "48,8566", 48.8566),
    ("longitude", "2.3522", 2.3522),
    ("date_fermeture", "2024-12-31", "2024-12-31"),
    ("categorie_code", "202", "202"),
    ("ferme", "oui", True),
])
async def test_a_correction_within_the_rules_is_saved(support: httpx.AsyncClient, session, paris_eg: int,
                                                      field: str, value: str, stored: object):
    # when support corrects a field with a value the importer would accept, consistent with the row
    response = await _correct(support, paris_eg, field, value)
    # then it is saved (redirect to the EG page) with the typed value
    assert response.status_code == 303, response.text[:500]
    session.expire_all()
    saved = getattr(await session.get(Etablissement, paris_eg), field)
    assert (str(saved) if isinstance(stored, str) else saved) == stored


async def test_an_ej_correction_passes_the_same_rules(support: httpx.AsyncClient, session, structures: Seeded):
    # given the EJ; when its SIREN is corrected with a wrong key, then it is refused in French
    ej = (await session.exec(select(EntiteJuridique))).first()
    response = await support.post(f"/admin/entite-juridique/corriger-finess/{ej.id}", data={
        "champ": "siren", "valeur": "123456789", "motif": "essai", "csrf_token": await page_token(support)})
    assert response.status_code == 400 and "SIREN invalide (9 chiffres avec clé de Luhn)" in response.text


def test_the_importer_and_corrections_share_one_list_of_shapes():
    # given the shapes the importer applies, when a malformed catégorie is checked for either channel
    # then both give the same French reason (declared once in batch_checks)
    assert {"finess", "categorie_code"} >= IMPORT_SHAPES
    imported = value_problem(Etablissement, "categorie_code", "5A0", shapes=IMPORT_SHAPES)
    corrected = value_problem(Etablissement, "categorie_code", "5A0")
    assert imported == corrected and imported.startswith("Catégorie « 5A0 »")
