"""The EG page: identity with locks and "corriger", declared fields, units, lieux, contacts by level, timeline."""

from __future__ import annotations

import html
import re

import httpx

from ror_graph.models import Capacite, Contact, Lieu, Telecom, Unite
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.write import update_unite
from tests.admin.conftest import Seeded, page_token

SUPPORT = Principal(kind="account", name="support@ars.test", role="support", source="admin", level=3)


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def test_the_eg_page_shows_identity_units_lieux_contacts_and_timeline(
        support: httpx.AsyncClient, structures: Seeded, offres: list[int], session):
    eg_id = structures.eg_ids[0]
    # given a lieu with a capacity, a level-3 contact of the EG with its telecom, a corrected postal code
    lieu = Lieu(etablissement_id=eg_id, nom="Bâtiment A", commune_code="75056")
    contact = Contact(etablissement_id=eg_id, nom="Cadre de garde", confidentialite=3)
    session.add_all([lieu, contact])
    await session.flush()
    session.add_all([Capacite(lieu_id=lieu.id, nature_code="01", statut_code="1", nombre=42),
                     Telecom(contact_id=contact.id, canal_code="2", valeur="0145678901", confidentialite=3)])
    await session.commit()
    await support.post(f"/admin/etablissement/corriger-finess/{eg_id}", data={
        "champ": "code_postal", "valeur": "75015", "motif": "Courrier de l'ARS du 3 mars",
        "csrf_token": await page_token(support)})
    # and a unit renamed through the write service
    unite = await session.get(Unite, offres[0])
    await update_unite(session, SUPPORT, identifiant=unite.identifiant, version=unite.version,
                       data=UniteUpdate(nom="Hébergement permanent (EHPAD)"))
    # when support opens the EG page
    page = (await support.get(f"/admin/etablissement/details/{eg_id}")).text
    shown = text(page)
    # then the title names the EG (not "Id: …") and the identity is locked with "corriger" links
    assert f"Établissement — {structures.eg_finess[0]} EHPAD NUMERO 00" in shown and "Id:" not in shown
    assert "verrouillé : Code postal 75015 corriger" in shown
    assert f"/admin/etablissement/corriger-finess/{eg_id}?champ=code_postal" in page
    # its units with status and completeness, its lieux with capacities, contacts under their level
    assert "Hébergement permanent (EHPAD)" in shown and "Accueil de jour" in shown and "Ouverte" in shown
    assert re.search(r"\d+ %", shown)
    assert "Bâtiment A" in shown and "42 —" in shown
    assert "Niveau 3 — régulation Cadre de garde" in shown and "0145678901" in shown
    # and the history as a timeline: who, why, which field from what to what
    timeline = text(page[page.index('id="timeline"'):])
    assert "Motif : Courrier de l'ARS du 3 mars" in timeline and "Code postal : 75001 → 75015" in timeline
    assert "Nom de l'offre (Hébergement permanent (EHPAD)) : Hébergement permanent → Hébergement permanent (EHPAD)" \
        in timeline
    assert timeline.index("Nom de l'offre") < timeline.index("Code postal")  # newest first
