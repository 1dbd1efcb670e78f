"""A small realistic directory for the search tests, and the expectations derived from it.

Tests compute their expected hits from these specs (never hard-coded id lists), so the specs are the
single place that says what exists: EHPADs in Angers and Cholet, a SSIAD in Trélazé serving
neighbouring communes, an SMR in Paris, a CMP for children in Saumur, and the offers that must
never be searchable (a sensitive unit, a closed unit, an open unit of a closed EG).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Contact,
    EntiteJuridique,
    Equipement,
    Etablissement,
    Lieu,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.models import coded as c

EGS: list[dict] = [
    dict(key="ehpad_angers", finess="490535168", raison_sociale="EHPAD Les Ardoisières",
         nom_operationnel="Résidence Les Ardoisières", categorie="500", commune="49007", cp="49100",
         ville="ANGERS", dep="49", reg="52", lat=47.4784, lon=-0.5632, telephone="0241123456"),
    dict(key="ehpad_cholet", finess="490001120", raison_sociale="EHPAD Le Bosquet", categorie="500",
         commune="49099", cp="49300", ville="CHOLET", dep="49", reg="52", lat=47.0600, lon=-0.8790),
    dict(key="ssiad_trelaze", finess="490002300", raison_sociale="SSIAD ADMR Loire Authion", categorie="354",
         commune="49353", cp="49800", ville="TRELAZE", dep="49", reg="52", lat=47.4509, lon=-0.4956),
    dict(key="ch_paris", finess="750000523", raison_sociale="Hôpital Sainte-Périne", categorie="101",
         commune="75056", cp="75016", ville="PARIS", dep="75", reg="11", lat=48.8460, lon=2.2660),
    dict(key="cmp_saumur", finess="490004560", raison_sociale="Centre de santé mentale de Saumur", categorie="156",
         commune="49328", cp="49400", ville="SAUMUR", dep="49", reg="52", lat=47.2600, lon=-0.0770),
    dict(key="closed_eg", finess="490009999", raison_sociale="EHPAD Les Glycines", categorie="500",
         commune="49007", cp="49000", ville="ANGERS", dep="49", reg="52", lat=47.4700, lon=-0.5500, ferme=True),
]

UNITES: list[dict] = [
    dict(key="heb_angers", eg="ehpad_angers", nom="Hébergement permanent", champ="04", type_offre="21", mode="46",
         temporalite="02", activites=["050"], publics=["01"], specialisations=["28"], age=(60, 120),
         lieu=(47.4790, -0.5600)),
    dict(key="protected_angers", eg="ehpad_angers", nom="Unité de vie protégée Alzheimer", champ="04",
         type_offre="24", mode="46", publics=["01"], age=(60, 120), sensible=True),
    dict(key="closed_angers", eg="ehpad_angers", nom="Hébergement temporaire", champ="04", type_offre="21",
         mode="46", temporalite="01", publics=["01"], age=(60, 120), ferme=True),
    dict(key="heb_cholet", eg="ehpad_cholet", nom="Hébergement permanent", champ="04", type_offre="21", mode="46",
         temporalite="02", activites=["050"], publics=["01", "05"], age=(60, 120)),
    dict(key="ssiad", eg="ssiad_trelaze", nom="Soins infirmiers à domicile", champ="04", type_offre="28",
         mode="49", publics=["01", "02"], age=(18, 120), zones=["49353", "49015", "49246"]),
    dict(key="smr_paris", eg="ch_paris", nom="Soins médicaux et de réadaptation polyvalents", champ="02",
         mode="28", activites=["172", "241"], publics=["07"], age=(18, 120), lieu=(48.8455, 2.2650),
         equipements=["009"]),
    dict(key="cmp_enfants", eg="cmp_saumur", nom="CMP infanto-juvénile", champ="03", type_offre="10", mode="32",
         activites=["227"], publics=["07"], age=(0, 17)),
    dict(key="in_closed_eg", eg="closed_eg", nom="Hébergement permanent", champ="04", type_offre="21", mode="46",
         publics=["01"], age=(60, 120)),
]

# Confidential values seeded on the Angers EHPAD: none may ever reach the index.
SECRET_VALUES = ["0241999999", "Dr Secret", "0241888888", "0241777777", "direction@secret.example"]
PUBLIC_PHONE = "0241000001"


def eg_spec(key: str) -> dict:
    return next(e for e in EGS if e["key"] == key)


def is_public(unite: dict) -> bool:
    return not unite.get("sensible") and not unite.get("ferme") and not eg_spec(unite["eg"]).get("ferme")


PUBLIC = [u for u in UNITES if is_public(u)]


def position(unite: dict) -> tuple[float, float]:
    """Where the offer is indexed: its lieu, else its EG."""
    if unite.get("lieu"):
        return unite["lieu"]
    eg = eg_spec(unite["eg"])
    return eg["lat"], eg["lon"]


@dataclass
class Dataset:
    """Database ids of the specs, both ways."""

    unite_ids: dict[str, int] = field(default_factory=dict)
    eg_ids: dict[str, int] = field(default_factory=dict)

    def keys(self, hits: list[dict]) -> list[str]:
        by_id = {v: k for k, v in self.unite_ids.items()}
        return [by_id[h["id"]] for h in hits]


async def insert_dataset(session: AsyncSession) -> Dataset:
    """Insert the specs as real rows (EJ, EG, units, codes, zones, lieux, contacts) and commit."""
    data = Dataset()
    ej = EntiteJuridique(finess="490000031", raison_sociale="Association Anjou Santé Seniors")
    session.add(ej)
    await session.flush()
    for spec in EGS:
        eg = Etablissement(
            finess=spec["finess"], entite_juridique_id=ej.id, raison_sociale=spec["raison_sociale"],
            nom_operationnel=spec.get("nom_operationnel"), categorie_code=spec["categorie"],
            commune_code=spec["commune"], code_postal=spec["cp"], libelle_acheminement=spec["ville"],
            numero_voie="12", type_voie="R", libelle_voie="des Tilleuls", departement_code=spec["dep"],
            region_code=spec["reg"], latitude=spec["lat"], longitude=spec["lon"], telephone=spec.get("telephone"),
            ferme=spec.get("ferme", False), siret="26490001700012",
        )
        session.add(eg)
        await session.flush()
        data.eg_ids[spec["key"]] = eg.id
    for spec in UNITES:
        eg_id = data.eg_ids[spec["eg"]]
        unite = Unite(
            identifiant=f"52/{len(data.unite_ids) + 1000}", etablissement_id=eg_id, nom=spec["nom"],
            type_offre_code=spec.get("type_offre"), champ_activite_code=spec["champ"],
            mode_prise_en_charge_code=spec["mode"], temporalite_code=spec.get("temporalite"),
            age_min=spec["age"][0], age_max=spec["age"][1], unite_sensible=spec.get("sensible", False),
            ferme=spec.get("ferme", False),
        )
        session.add(unite)
        await session.flush()
        data.unite_ids[spec["key"]] = unite.id
        for attribute, key in (("activite", "activites"), ("public", "publics"), ("specialisation", "specialisations")):
            system = c.UNITE_ATTRIBUTE_SYSTEMS[c.UniteAttribute(attribute)]
            for code in spec.get(key, []):
                session.add(UniteCode(unite_id=unite.id, attribute=attribute, system=system, code=code))
        for code in spec.get("zones", []):
            session.add(ZoneIntervention(unite_id=unite.id, type_code="3", code=code))
        if spec.get("lieu"):
            eg = eg_spec(spec["eg"])
            lieu = Lieu(etablissement_id=eg_id, nom=f"Site {spec['nom']}", commune_code=eg["commune"],
                        latitude=spec["lieu"][0], longitude=spec["lieu"][1])
            session.add(lieu)
            await session.flush()
            session.add(UniteLieu(unite_id=unite.id, lieu_id=lieu.id))
            for code in spec.get("equipements", []):
                session.add(Equipement(lieu_id=lieu.id, type_code=code, nombre_en_service=2))
    await _contacts(session, data.unite_ids["heb_angers"])
    await session.commit()
    return data


async def _contacts(session: AsyncSession, unite_id: int) -> None:
    """Level-1 contact with a public and a level-2 number; level-2 contact; level-1 contact with only level 3."""
    public = Contact(unite_id=unite_id, nom="Accueil de la résidence", nature_code="01", confidentialite=1)
    secret = Contact(unite_id=unite_id, nom="Dr Secret", fonction="Médecin coordonnateur", confidentialite=2)
    crisis = Contact(unite_id=unite_id, nom="Astreinte", nature_code="03", confidentialite=1)
    session.add_all([public, secret, crisis])
    await session.flush()
    session.add_all([
        Telecom(contact_id=public.id, canal_code="2", valeur=PUBLIC_PHONE, confidentialite=1),
        Telecom(contact_id=public.id, canal_code="2", valeur="0241999999", confidentialite=2),
        Telecom(contact_id=public.id, canal_code="3", valeur="direction@secret.example", confidentialite=3),
        Telecom(contact_id=secret.id, canal_code="2", valeur="0241888888", confidentialite=1),
        Telecom(contact_id=crisis.id, canal_code="2", valeur="0241777777", confidentialite=3),
    ])
