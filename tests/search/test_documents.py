"""What the index holds: denormalised, labelled, level-1-only documents."""

from __future__ import annotations

import json
import unicodedata

import pytest

from search_index.documents import OffreSource, build_document
from search_index.index_settings import index_settings, stop_words, synonyms
from tests.search.dataset import PUBLIC, PUBLIC_PHONE, SECRET_VALUES, UNITES, eg_spec


@pytest.fixture
async def documents(client, world) -> dict[str, dict]:
    stored = await client.index(world.index_uid).get_documents(limit=1000)
    by_id = {v: k for k, v in world.data.unite_ids.items()}
    return {by_id[d["id"]]: d for d in stored.results}


async def test_no_confidential_value_reaches_the_index(documents):
    # given level-2/3 contacts and telecoms on the Angers EHPAD's offer
    dump = json.dumps(list(documents.values()), ensure_ascii=False)
    # then none of them is in any document
    for secret in SECRET_VALUES:
        assert secret not in dump, secret
    # while the level-1 number of the level-1 contact is there
    contacts = documents["heb_angers"]["contacts"]
    assert [t["valeur"] for c in contacts for t in c["telecoms"]] == [PUBLIC_PHONE]
    # and sensitive / closed offers have no document at all
    assert set(documents) == {u["key"] for u in PUBLIC}


async def test_document_is_denormalised_with_its_etablissement_and_labels(documents, world):
    doc = documents["heb_angers"]
    eg = eg_spec("ehpad_angers")
    assert doc["finess"] == eg["finess"] and doc["raisonSociale"] == eg["raison_sociale"]
    assert doc["nomOperationnel"] == eg["nom_operationnel"]
    assert doc["etablissementId"] == world.data.eg_ids["ehpad_angers"]
    assert doc["categorie"] == {"code": "500", "label": world.ref.label("JDV_J55-CategorieEG-ROR", "500")}
    assert doc["commune"] == {"code": "49007", "nom": "Angers"}
    assert doc["departement"] == {"code": "49", "nom": "Maine-et-Loire"}
    assert doc["region"] == {"code": "52", "nom": "Pays de la Loire"}
    assert doc["codePostal"] == "49100" and doc["telephone"] == eg["telephone"]
    assert doc["champActivite"]["label"].startswith("Médico-social")
    assert doc["modePriseEnCharge"]["code"] == "46" and doc["temporalite"]["label"] == "Permanent"
    assert [a["code"] for a in doc["activites"]] == ["050"] and doc["activites"][0]["label"]
    assert [p["code"] for p in doc["publics"]] == ["01"]
    assert (doc["ageMin"], doc["ageMax"]) == (60, 120)
    assert "EHPAD" in doc["keywords"]
    assert isinstance(doc["updatedAt"], int)


async def test_position_comes_from_the_lieu_else_the_etablissement(documents):
    lieu = next(u for u in UNITES if u["key"] == "heb_angers")["lieu"]
    assert documents["heb_angers"]["_geo"] == {"lat": lieu[0], "lng": lieu[1]}
    assert documents["heb_angers"]["geoSource"] == "lieu"
    cholet = eg_spec("ehpad_cholet")
    assert documents["heb_cholet"]["_geo"] == {"lat": cholet["lat"], "lng": cholet["lon"]}
    assert documents["heb_cholet"]["geoSource"] == "etablissement"


async def test_zone_and_equipements(documents):
    assert documents["ssiad"]["zoneCommunes"] == sorted(next(u for u in UNITES if u["key"] == "ssiad")["zones"])
    assert [e["code"] for e in documents["smr_paris"]["equipements"]] == ["009"]


def test_build_document_refuses_non_public_offers(world):
    # given rows of a sensitive unit, a closed unit and an open unit of a closed EG
    eg = {"id": 1, "ferme": False}
    for unite, etab in (
        ({"ferme": False, "unite_sensible": True}, eg),
        ({"ferme": True, "unite_sensible": False}, eg),
        ({"ferme": False, "unite_sensible": False}, {**eg, "ferme": True}),
    ):
        # then no document is built
        assert build_document(OffreSource(unite=unite, etablissement=etab), world.ref) is None


async def test_settings_in_code_are_applied(client, world):
    applied = await client.index(world.index_uid).get_settings()
    wanted = index_settings()
    assert applied.searchable_attributes == wanted.searchable_attributes
    assert set(applied.filterable_attributes) == set(wanted.filterable_attributes)
    assert "_geo" in applied.sortable_attributes
    nfc = lambda words: {unicodedata.normalize("NFC", w) for w in words}  # noqa: E731
    assert nfc(applied.stop_words) == nfc(stop_words())
    assert applied.synonyms["ssr"] and set(applied.synonyms) >= set(synonyms())
    assert "finess" in applied.typo_tolerance.disable_on_attributes
    assert applied.typo_tolerance.disable_on_numbers is True
    assert applied.pagination.max_total_hits == wanted.pagination.max_total_hits
