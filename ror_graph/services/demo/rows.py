"""Rows of one demo establishment: its offers, their codes, lieux, capacities, horaires, zone, contacts.

Used by ``services.demo.generator`` only. Everything drawn at random comes from the caller's seeded ``rng``,
in a fixed order, so the output depends on the seed and the establishments only.
"""

from __future__ import annotations

import random
import re
import zlib
from datetime import datetime, time
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Capacite,
    Commune,
    Contact,
    Equipement,
    Etablissement,
    Habitation,
    Horaire,
    Lieu,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.models.base import Address
from ror_graph.models.coded import (
    ACTIVITE,
    MODALITE_ACCUEIL,
    MODE_GESTION,
    PROFESSION,
    PUBLIC,
    SPECIALISATION,
    UniteAttribute,
)
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.demo.geo import neighbour_communes
from ror_graph.services.demo.sites import without_equipment
from ror_graph.services.demo.templates import OfferTemplate

MAIL_DOMAIN = "demo.ror-graph.invalid"
DEMO_COMMENT = "Offre de démonstration générée par « ror-graph demo » : ce n'est pas une déclaration réelle."
EG_COMMENT = "Description de démonstration (« ror-graph demo ») : établissement FINESS réel, offres fictives."
# TRE_R202 codes: Accessible, Non accessible, Sur demande, Non communiqué
ACCESSIBILITE_SPREAD = ("1", "1", "1", "2", "3", "4")
MULTI_VALUED = (  # template attribute, UniteAttribute, system
    ("activites", UniteAttribute("activite"), ACTIVITE),
    ("publics", UniteAttribute("public"), PUBLIC),
    ("modalites", UniteAttribute("modalite_accueil"), MODALITE_ACCUEIL),
    ("specialisations", UniteAttribute("specialisation"), SPECIALISATION),
    ("professions", UniteAttribute("profession"), PROFESSION),
    ("modes_gestion", UniteAttribute("mode_gestion"), MODE_GESTION),
)
# Fictitious numbers: the ranges ARCEP reserves for works of fiction, per telephone zone.
_FICTION = {"01": "01 99 00", "02": "02 61 91", "03": "03 53 01", "04": "04 65 71", "05": "05 36 49"}
_ZONE_OF_REGION = {"11": "01", "24": "02", "28": "02", "52": "02", "53": "02", "27": "03", "32": "03", "44": "03",
                   "84": "04", "93": "04", "94": "04", "75": "05", "76": "05"}
_ACRONYMS = {"EHPAD", "SSIAD", "CH", "CHU", "CHR", "CHS", "IME", "ESAT", "MAS", "FAM", "SESSAD", "CMP", "CSAPA", "HAD",
             "SMR", "SSR", "ITEP", "SAVS", "SAMSAH", "CAMSP", "CMPP", "MSP", "CPTS", "SAAD", "SPASAD", "EHPA", "USLD"}
_SMALL = {"DE", "DU", "DES", "LA", "LE", "LES", "ET", "EN", "A", "À", "AU", "AUX", "SUR", "SOUS", "D", "L"}


def demo_accessibilite(finess: str) -> str:
    """A TRE_R202 accessibility the EG would declare: mostly « Accessible », spread by FINESS, not by the
    seeded draw (so adding it left every drawn offer as it was)."""
    return ACCESSIBILITE_SPREAD[zlib.crc32(finess.encode()) % len(ACCESSIBILITE_SPREAD)]


def fictitious_phone(rng: random.Random, region: str | None) -> str:
    """A plausible but unassigned French number (``02 61 91 xx xx`` in the west...)."""
    prefix = _FICTION[_ZONE_OF_REGION.get(region or "", "02")]
    return f"{prefix} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def nom_operationnel(raison_sociale: str) -> str:
    """FINESS names are upper case; the usual name reads better in title case, acronyms kept."""
    words = []
    for i, word in enumerate(re.split(r"(\W+)", raison_sociale)):
        upper = word.upper()
        if upper in _ACRONYMS or not word.isalpha():
            words.append(word)
        elif upper in _SMALL and i > 0:
            words.append(word.lower())
        else:
            words.append(word.capitalize())
    return "".join(words)


def offer_identifiant(region: str, finess: str, index: int) -> str:
    """``<region>/<FINESS digits><nn>``: stable for a given EG and template rank, unique nationally."""
    return f"{region}/{re.sub(r'[^0-9]', '0', finess)}{index:02d}"


class DemoWriter:
    """Adds the rows of one establishment at a time to ``session``, auditing through ``cs``."""

    def __init__(self, session: AsyncSession, cs: ChangeSet, rng: random.Random, now: datetime) -> None:
        self.session, self.cs, self.rng, self.now = session, cs, rng, now

    async def write_etablissement(
        self, eg: Etablissement, commune: Commune, region: str, templates: list[OfferTemplate], zone_pool: list[Commune]
    ) -> list[Unite]:
        """Create the offers of ``eg`` from ``templates`` (already drawn) and its declared fields."""
        assert eg.id is not None
        self._declare_etablissement(eg)
        name = without_equipment(eg.nom_operationnel or eg.raison_sociale)
        units = [self._unite(eg, t, offer_identifiant(region, eg.finess, i), name)
                 for i, t in enumerate(templates, start=1)]
        lieux = [self._lieu(eg, commune, t) for t in templates]
        alert = Contact(etablissement_id=eg.id, nom="Cellule d'alerte (démo)", nature_code="13", confidentialite=3,
                        created_at=self.now, updated_at=self.now)
        self.session.add_all([*units, *lieux, alert])
        await self.session.flush()  # ids for the child rows
        assert alert.id is not None
        telecoms = [Telecom(contact_id=alert.id, canal_code="8", valeur=fictitious_phone(self.rng, region),
                            utilisation="Alerte H24", confidentialite=3)]
        contacts: list[tuple[Contact, list[Telecom]]] = []
        children: list = []
        for unite, lieu, t in zip(units, lieux, templates, strict=True):
            assert unite.id is not None and lieu.id is not None
            children += self._codes(unite.id, t) + self._horaires(unite.id, t) + self._resources(lieu.id, t)
            children.append(UniteLieu(unite_id=unite.id, lieu_id=lieu.id))
            if t.zone:
                count = self.rng.randint(4, 8)
                children += [ZoneIntervention(unite_id=unite.id, type_code="3", code=code)
                             for code in neighbour_communes(commune, zone_pool, count)]
            contacts += self._contacts(unite, t, region)
            self.cs.record("unite", unite.identifiant or str(unite.id), "created", None, unite.nom)
            self.cs.enqueue("unite", unite.id)
        self.cs.enqueue("etablissement", eg.id)
        self.session.add_all([*children, *(c for c, _ in contacts)])
        await self.session.flush()  # contact ids for their telecoms
        for contact, items in contacts:
            assert contact.id is not None
            for telecom in items:
                telecom.contact_id = contact.id
                telecoms.append(telecom)
        self.session.add_all(telecoms)
        return units

    def _declare_etablissement(self, eg: Etablissement) -> None:
        changed = [
            self.cs.set(eg, "etablissement", eg.finess, "nom_operationnel", nom_operationnel(eg.raison_sociale)),
            self.cs.set(eg, "etablissement", eg.finess, "commentaire", EG_COMMENT),
            eg.accessibilite_code is None and self.cs.set(eg, "etablissement", eg.finess, "accessibilite_code",
                                                          demo_accessibilite(eg.finess)),
            self.cs.set(eg, "etablissement", eg.finess, "derniere_modification_at", self.now),
            self.cs.set(eg, "etablissement", eg.finess, "derniere_modification_par", self.cs.actor.name),
        ]
        if any(changed):
            eg.version += 1
            eg.updated_at = self.now

    def _unite(self, eg: Etablissement, t: OfferTemplate, identifiant: str, eg_name: str) -> Unite:
        suffix = " (démo)"
        nom = f"{t.nom} — {eg_name}"[: 300 - len(suffix)] + suffix
        assert eg.id is not None, "the EG is read from the database"
        return Unite(
            identifiant=identifiant, etablissement_id=eg.id, nom=nom, type_offre_code=t.type_offre,
            champ_activite_code=t.champ, mode_prise_en_charge_code=t.mode, temporalite_code=t.temporalite,
            age_min=t.age[0], age_max=t.age[1], unite_sensible=t.sensible,
            soins_sans_consentement=t.soins_sans_consentement, commentaire=DEMO_COMMENT, demo=True,
            created_at=self.now, updated_at=self.now,
        )

    def _lieu(self, eg: Etablissement, commune: Commune, t: OfferTemplate) -> Lieu:
        address = {name: getattr(eg, name) for name in Address.model_fields if name != "commune_code"}
        assert eg.id is not None, "the EG is read from the database"
        return Lieu(
            **address, etablissement_id=eg.id, commune_code=commune.code, nom=f"{t.nom} (démo)",
            fonction_code=t.lieu_fonction, statut_code="3",
            latitude=eg.latitude if eg.latitude is not None else commune.latitude,
            longitude=eg.longitude if eg.longitude is not None else commune.longitude,
            created_at=self.now, updated_at=self.now,
        )

    def _codes(self, unite_id: int, t: OfferTemplate) -> list:
        return [UniteCode(unite_id=unite_id, attribute=attribute.value, system=system, code=code)
                for name, attribute, system in MULTI_VALUED for code in getattr(t, name)]

    def _horaires(self, unite_id: int, t: OfferTemplate) -> list:
        return [Horaire(unite_id=unite_id, jour=day, heure_debut=time.fromisoformat(start),
                        heure_fin=time.fromisoformat(end), type_code="02")
                for days, start, end in t.horaires for day in days]

    def _resources(self, lieu_id: int, t: OfferTemplate) -> list:
        """Installed capacity (+ available places for hébergement), habitations and equipment."""
        rows: list = []
        if t.capacite:
            nature, low, high = t.capacite
            installed = self.rng.randint(low, high)
            capacite = partial(Capacite, lieu_id=lieu_id, nature_code=nature, temporalite_code="01",
                               source_code="01", affectation_code="01", updated_at=self.now)
            rows.append(capacite(statut_code="01", nombre=installed))
            if t.mode == "46":
                rows.append(capacite(statut_code="02", nombre=self.rng.randint(0, min(3, installed))))
            if t.habitation:
                rows.append(Habitation(lieu_id=lieu_id, type_code=t.habitation, nombre=installed))
        rows += [Equipement(lieu_id=lieu_id, type_code=code, nombre_en_service=self.rng.randint(1, 3))
                 for code in t.equipements]
        return rows

    def _contacts(self, unite: Unite, t: OfferTemplate, region: str) -> list[tuple[Contact, list[Telecom]]]:
        """Level 1 reception, level 2 professionals' direct line, sometimes a level 3 alert line."""
        slug = (unite.identifiant or "").replace("/", "-")
        contact = partial(Contact, unite_id=unite.id, created_at=self.now, updated_at=self.now)
        phone = fictitious_phone
        accueil = (contact(nom="Accueil", nature_code="01", confidentialite=1), [
            Telecom(contact_id=0, canal_code="2", valeur=phone(self.rng, region), utilisation="Accueil",
                    confidentialite=1),
            Telecom(contact_id=0, canal_code="3", valeur=f"accueil.{slug}@{MAIL_DOMAIN}", confidentialite=1),
        ])
        pro_nature = "05" if t.champ == "04" else "04"  # soignant in MS, médical in health care
        pro = (contact(nom="Ligne directe des professionnels", nature_code=pro_nature, confidentialite=2), [
            Telecom(contact_id=0, canal_code="2", valeur=phone(self.rng, region), confidentialite=2),
        ])
        contacts = [accueil, pro]
        if self.rng.random() < 1 / 3 or t.alert:
            contacts.append((contact(nom="Astreinte", nature_code="13", confidentialite=3), [
                Telecom(contact_id=0, canal_code="8", valeur=phone(self.rng, region), confidentialite=3),
                Telecom(contact_id=0, canal_code="9", valeur=f"alerte.{slug}@{MAIL_DOMAIN}", confidentialite=3),
            ]))
        return contacts

