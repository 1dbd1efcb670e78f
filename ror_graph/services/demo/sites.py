"""What a FINESS site really is, so that demo offers fit it: a CMP gets ambulatory psychiatry, an SSR site SMR units.

A hospital's FINESS number covers its main site, but many of its other établissements are single-purpose
sites whose FINESS name says what they are: « SSR CHR D ANGERS », « IRM CHR ANGERS », « CMP INFANTO
JUVENILE SEGRE », « USLD CH DE CHOLET ». The catégorie alone (101 CHR, 355 CH, 292 CHS…) would give
those sites a maternity or an emergency department. ``site_kind`` reads the name; ``templates_for_site``
gives the site's own offers, and the catégorie's full set only to a main site. Heavy equipment (MRI,
scanner) is only declared on the site that holds it, i.e. the one FINESS registers for it; offer
names never carry the equipment (the offer is « Imagerie médicale », not « Maternité — IRM … »).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from ror_graph.services.demo import templates as t
from ror_graph.services.demo.templates import DAY, OfferTemplate

IMAGERIE_IRM = t._t("imagerie-irm", "Imagerie médicale", "01", "20", ("068",), (0, 120), type_offre="164",
                    horaires=((t.WEEKDAYS, "08:00", "19:00"),), equipements=("054",))
IMAGERIE_SCANNER = t._t("imagerie-scanner", "Imagerie médicale", "01", "20", ("070",), (0, 120),
                        type_offre="164", horaires=((t.WEEKDAYS, "08:00", "19:00"),), equipements=("222",))
HDJ_MEDECINE = replace(t.MEDECINE, key="hdj-medecine", nom="Hôpital de jour de médecine", mode="29",
                       horaires=DAY, lieu_fonction="005", capacite=("02", 5, 15))
PSY_ENFANTS_HJ = replace(t.PSY_HJ, key="psy-enfants-hj", nom="Hôpital de jour de psychiatrie infanto-juvénile",
                         activites=("227", "228"), age=(0, 17))
CATTP_ENFANTS = replace(t.CATTP, key="cattp-enfants", nom="CATTP infanto-juvénile", activites=("227", "228"),
                        age=(0, 17))

#: Name patterns (on the upper-case, accent-free FINESS name), first match wins.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(pattern)) for kind, pattern in (
    ("irm", r"\bIRM\b"),
    ("scanner", r"\bSCANNER\b|\bTDM\b"),
    ("dialyse", r"DIALYSE"),
    ("had", r"\bHAD\b|HOSPITALISATION A DOMICILE"),
    ("usld", r"\bUSLD\b|LONG SEJOUR"),
    ("smr", r"\bSSR\b|\bSMR\b|READAPTATION|REEDUCATION"),
    ("planification", r"PLANIFICATION|SANTE SEXUELLE"),
    ("psy", r"\bCMP\b|\bCATTP\b|\bC\.?M\.?P\b|MEDICO.?PSYCHOLOGIQUE"),
    ("hdj", r"\bHDJ\b|HOPITAL DE JOUR|HOP\.? JOUR"),
    ("foyer-psy", r"\bFOYER\b|APPART"),
))
#: A site kind that is already its catégorie's whole business keeps the catégorie's full set.
_OWN_CATEGORY = {"dialyse": {"141", "146"}, "had": {"127"}, "usld": {"362"}, "smr": {"109"}}
#: Words naming heavy equipment, kept out of offer names.
_EQUIPMENT = re.compile(r"\b(IRM|SCANNER|TDM|TEP|TEP.?SCAN|GAMMA.?CAMERA|CYCLOTRON)\b\s*-?\s*", re.IGNORECASE)
#: Catégories whose sites are psychiatric whatever their name says.
PSYCHIATRIE = {"292", "161", "156", "425", "412"}
_CHILDREN = re.compile(r"INFANT|JUVEN|ENFANT|ADOLESC|PEDOPSY")


def normalise(name: str | None) -> str:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().upper()
    return " ".join(re.sub(r"[^A-Z0-9.]+", " ", text).split())


def site_kind(raison_sociale: str | None) -> str:
    """``irm``, ``scanner``, ``dialyse``, ``had``, ``usld``, ``smr``, ``planification``, ``psy``, ``hdj``,
    ``foyer-psy`` for a single-purpose site, else ``principal``."""
    name = normalise(raison_sociale)
    return next((kind for kind, pattern in _KINDS if pattern.search(name)), "principal")


def _psychiatry_site(name: str, kind: str) -> tuple[OfferTemplate, ...]:
    """The ambulatory offers a CMP / CATTP / day-hospital site of psychiatry declares."""
    children = bool(_CHILDREN.search(name))
    offers: list[OfferTemplate] = []
    if re.search(r"\bCMP\b|\bC\.?M\.?P\b|MEDICO.?PSYCHOLOGIQUE", name):
        offers.append(t.CMP_ENFANTS if children else t.CMP_ADULTES)
    if "CATTP" in name:
        offers.append(CATTP_ENFANTS if children else t.CATTP)
    if kind == "hdj" or re.search(r"\bHDJ\b|HOPITAL DE JOUR|HOP\.? JOUR", name):
        offers.append(PSY_ENFANTS_HJ if children else t.PSY_HJ)
    if kind == "foyer-psy":
        offers.append(t.APPARTEMENT_THERAPEUTIQUE)
    return tuple(offers) or ((t.CMP_ENFANTS,) if children else (t.CMP_ADULTES,))


def _sanitary_site(kind: str) -> tuple[OfferTemplate, ...] | None:
    return {
        "irm": (IMAGERIE_IRM,), "scanner": (IMAGERIE_SCANNER,), "dialyse": (t.HEMODIALYSE,), "had": (t.HAD,),
        "usld": (t.USLD,), "smr": (t.SMR, t.SMR_GERIATRIE, t.SMR_HJ), "planification": (t.SANTE_SEXUELLE,),
        "hdj": (HDJ_MEDECINE,),
    }.get(kind)


def templates_for_site(categorie: str | None, domaine: str | None, raison_sociale: str | None) -> tuple[
        OfferTemplate, ...]:
    """The offers of one site: its own when its name says what it is, else its catégorie's."""
    by_category = t.templates_for(categorie, domaine)
    if domaine not in {"Sanitaire", None, ""}:
        return by_category  # médico-social, ville: the catégorie says it all
    name, kind = normalise(raison_sociale), site_kind(raison_sociale)
    if kind == "principal":
        return by_category
    if (categorie or "") in PSYCHIATRIE and kind not in {"smr", "usld", "irm", "scanner"}:
        return _psychiatry_site(name, kind)
    if kind == "psy" or (kind == "hdj" and re.search(r"\bCMP\b|\bCATTP\b", name)):
        return _psychiatry_site(name, kind)
    if kind == "foyer-psy":
        return by_category
    if (categorie or "") in _OWN_CATEGORY.get(kind, set()):
        return by_category  # e.g. an SMR establishment keeps its full SMR set (locomoteur, HJ…)
    return _sanitary_site(kind) or by_category


def without_equipment(name: str) -> str:
    """A site name fit for an offer name: « Irm CHR Angers » → « CHR Angers »."""
    return " ".join(_EQUIPMENT.sub(" ", name).split()) or name


def every_template() -> list[OfferTemplate]:
    """The catégorie templates and those only site kinds use (for code checks)."""
    return [*t.all_templates(), IMAGERIE_IRM, IMAGERIE_SCANNER, HDJ_MEDECINE, PSY_ENFANTS_HJ, CATTP_ENFANTS]
