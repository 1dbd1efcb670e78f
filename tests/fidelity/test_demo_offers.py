"""Demo offers are plausible: each fits its FINESS catégorie and what its site really is.

The allowed activités per catégorie below are the spec, written from the ROR description practice
(docs: ror-model §2.5 and §5c: emergencies, obstetrics and intensive care only where a hospital holds
the authorisation; EHPAD: hébergement / accompagnement activities; SSIAD: soins infirmiers at home),
independently of the generator's templates: a template that strays fails here.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import select

from ror_graph.models import EntiteJuridique, Equipement, Etablissement, Unite, UniteCode, UniteLieu
from ror_graph.services.demo.generator import load_demo

PSY = {"227", "228", "229", "231"}
SMR = {"172", "241", "233", "283"}
MCO = {"157", "083", "491", "025", "145", "033", "100", "282", "127", "170", "068", "070", "089"}
#: JDV_J55 catégorie → TRE_R211 activités its offers may carry.
ALLOWED: dict[str, set[str]] = {
    "101": MCO | SMR | {"333"},
    "355": MCO | SMR | PSY | {"333", "527", "162"},  # CH: psychiatric sectors, centre de planification
    "106": {"083", "491"} | SMR | {"333"},  # ex-hôpital local: no surgery, maternity, emergencies
    "365": MCO | SMR,
    "128": {"025", "145", "033"},
    "129": {"083", "491"} | SMR,
    "122": {"100", "282"},
    "109": SMR,
    "362": {"333"},
    "127": {"083", "170"},
    "141": {"059"}, "146": {"059"},
    "131": {"164", "168", "068", "070"},
    "292": PSY | {"089"}, "161": PSY, "156": PSY, "425": PSY, "412": PSY,
    "500": {"293", "285", "306", "313", "325"},
    "354": {"287", "288", "306", "325"},
}


async def offers_by_site(session) -> list[tuple[Etablissement, Unite, set[str], set[str]]]:
    """(EG, offer, its activités, the equipment of its lieux) for every generated offer."""
    activites: dict[int, set[str]] = defaultdict(set)
    for unite_id, code in (await session.exec(select(UniteCode.unite_id, UniteCode.code).where(
            UniteCode.attribute == "activite"))).all():
        activites[unite_id].add(code)
    equipment: dict[int, set[str]] = defaultdict(set)
    for unite_id, code in (await session.exec(select(UniteLieu.unite_id, Equipement.type_code).join(
            Equipement, Equipement.lieu_id == UniteLieu.lieu_id))).all():
        equipment[unite_id].add(code)
    rows = (await session.exec(select(Etablissement, Unite).join(Unite, Unite.etablissement_id == Etablissement.id)))
    return [(eg, u, activites[u.id], equipment[u.id]) for eg, u in rows.all()]


async def test_demo_offers_fit_category_and_site(sessions, session):
    # Given the demo loaded the real way (FINESS 49 subset, FINESS+ examples, generated offers)
    await load_demo(sessions)
    offers = await offers_by_site(session)
    assert len(offers) > 700
    checked = 0
    for eg, unite, activites, equipment in offers:
        name = eg.raison_sociale.upper()
        # then every offer's activités belong to its catégorie's allowed set
        if eg.categorie_code in ALLOWED:
            assert activites and activites <= ALLOWED[eg.categorie_code], (eg.finess, eg.raison_sociale, unite.nom)
            checked += 1
        # a CMP / CATTP site declares ambulatory psychiatry only (no full-time hospitalisation)
        if name.startswith(("CMP ", "CATTP ")):
            assert unite.champ_activite_code == "03" and unite.mode_prise_en_charge_code != "28", unite.nom
        # an SSR site of a hospital declares SMR units only: no maternity, no emergencies
        if name.startswith("SSR "):
            assert unite.champ_activite_code == "02" and not activites & {"100", "157"}, unite.nom
        # an MRI only where FINESS registers one, and never in an offer name
        assert ("054" in equipment) == (" IRM " in f" {name} "), (eg.raison_sociale, unite.nom)
        assert "IRM" not in unite.nom.upper().split() and "SCANNER" not in unite.nom.upper().split()
    assert checked > 600


async def test_demo_has_real_legal_entities_and_flagged_placeholders(sessions, session):
    # Given the demo loaded
    await load_demo(sessions)
    ejs = (await session.exec(select(EntiteJuridique))).all()
    real = [ej for ej in ejs if not ej.placeholder]
    waiting = [ej for ej in ejs if ej.placeholder]
    # then the FINESS+ structures give real EJ (named, most with their SIREN) whose open EG carry demo offers
    assert len(real) == 23 and all(ej.raison_sociale for ej in real)
    assert sum(1 for ej in real if ej.siren) == 21
    with_offers = (await session.exec(select(EntiteJuridique.finess).join(
        Etablissement, Etablissement.entite_juridique_id == EntiteJuridique.id).join(
        Unite, Unite.etablissement_id == Etablissement.id).where(EntiteJuridique.placeholder == False))).all()  # noqa: E712
    assert len(set(with_offers)) == 10
    # and the EJ the 2021 extract only references are flagged, not named
    assert waiting and all(ej.raison_sociale == "" for ej in waiting)
