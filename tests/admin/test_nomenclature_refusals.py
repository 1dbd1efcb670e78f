"""Support's edits in the back office refuse a code outside its nomenclature with a French sentence.

The forms go through the write services, which check each coded value against the nomenclature
its registry entry names (TRE_R202 accessibilité of the EG, TRE_R340 characteristic of an equipment limit).
"""

from __future__ import annotations

import html
import json
import re

import httpx
from sqlmodel import select

from ror_graph.models import AuditLog, EquipementLimite, Etablissement, Event, Unite
from tests.admin.conftest import Seeded, page_token

EG_FORM = {"commentaire": "", "nb_place_aide_sociale_permanent": "", "nb_place_aide_sociale_temporaire": "",
           "hebergement_famille": "", "nom_operationnel": "", "save": "Save"}


async def _post_accessibilite(support: httpx.AsyncClient, structures: Seeded, code: str) -> httpx.Response:
    return await support.post(f"/admin/etablissement/edit/{structures.eg_ids[0]}", data={
        **EG_FORM, "finess": structures.eg_finess[0], "raison_sociale": "EHPAD NUMERO 00", "version": "1",
        "accessibilite_code": code, "csrf_token": await page_token(support)})


async def test_an_unknown_accessibility_is_refused_in_french(support: httpx.AsyncClient, structures: Seeded,
                                                             session):
    # when support sets the EG's accessibility to a code TRE_R202 does not have
    response = await _post_accessibilite(support, structures, "9")
    # then the form says, in French, which attribute and which code, and that nothing was saved
    assert response.status_code == 400
    assert ("Le code « 9 » n'existe pas pour l'attribut Accessibilité (nomenclature TRE_R202-AccessibiliteLieu). "
            "Rien n'a été enregistré.") in html.unescape(response.text)
    session.expire_all()
    eg = await session.get(Etablissement, structures.eg_ids[0])
    assert (eg.accessibilite_code, eg.version) == (None, 1)
    assert list(await session.exec(select(AuditLog))) == [] and list(await session.exec(select(Event))) == []


async def test_a_known_accessibility_is_saved(support: httpx.AsyncClient, structures: Seeded, session):
    response = await _post_accessibilite(support, structures, "1")
    assert response.status_code == 302, response.text[-800:]
    session.expire_all()
    assert (await session.get(Etablissement, structures.eg_ids[0])).accessibilite_code == "1"


async def test_an_unknown_equipment_characteristic_is_refused_in_french(support: httpx.AsyncClient, session,
                                                                       offres: list[int]):
    # given the lists form of an offer, read at its version
    unite_id = offres[0]
    page = (await support.get(f"/admin/unite/listes/{unite_id}")).text
    data = {"csrf_token": await page_token(support), "zone_intervention": "",
            "version": re.search(r'name="version" value="(\d+)"', page).group(1)}
    for key in ("contacts", "horaires"):
        data[key] = html.unescape(re.search(rf'name="{key}" rows="8">(.*?)</textarea>', page, re.S).group(1))
    limit = {"caracteristique_code": "01", "valeur": 250, "unite": "kg"}  # TRE_R340 codes have three digits
    lieu = {"commune_code": "49007", "equipements": [{"type_code": "003", "nombre_en_service": 1, "limites": [limit]}]}
    # when support saves a lieu whose equipment limit measures a characteristic TRE_R340 does not have
    response = await support.post(f"/admin/unite/listes/{unite_id}", data={**data, "lieux": json.dumps([lieu])})
    # then it is refused with a French sentence naming the attribute and the code, and nothing is written
    assert response.status_code == 400
    assert ("Le code « 01 » n'existe pas pour l'attribut Caractéristique d'un équipement "
            "(nomenclature TRE_R340-TypeCaracteristiqueEquipement). Rien n'a été enregistré.") in html.unescape(
        response.text)
    session.expire_all()
    assert (await session.get(Unite, unite_id)).version == 1
    assert list(await session.exec(select(EquipementLimite))) == [] and list(await session.exec(select(Event))) == []
