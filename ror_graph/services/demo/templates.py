"""Offer templates of the demo generator, per FINESS category (JDV_J55), with real NOS codes.

Each ``OfferTemplate`` describes one offer an establishment of that category typically declares
(docs/ror-model.md §5c for EHPAD and SSIAD). Every code here must be writable in its system:
``tests/test_demo.py`` checks that against the loaded nomenclature, and the generator checks it
again before writing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

WEEKDAYS = (1, 2, 3, 4, 5)
EVERY_DAY = (1, 2, 3, 4, 5, 6, 7)


@dataclass(frozen=True)
class OfferTemplate:
    """One offer to generate. ``probability`` < 1 makes it optional; ``once`` caps it to one per run."""

    key: str
    nom: str
    champ: str  # TRE_R227
    mode: str  # TRE_R213
    activites: tuple[str, ...]  # TRE_R211, at least one
    age: tuple[int, int]
    type_offre: str | None = None  # JDV_J238
    temporalite: str | None = None  # TRE_R240: 01 temporaire, 02 permanent
    publics: tuple[str, ...] = ("07",)  # TRE_R239
    modalites: tuple[str, ...] = ()  # TRE_R338
    specialisations: tuple[str, ...] = ()  # TRE_R245
    professions: tuple[str, ...] = ()  # TRE_R356
    modes_gestion: tuple[str, ...] = ()  # TRE_R236
    horaires: tuple[tuple[tuple[int, ...], str, str], ...] = ()  # (ISO days, "HH:MM", "HH:MM")
    zone: bool = False  # zone d'intervention: the EG's commune and its neighbours
    lieu_fonction: str = "005"  # TRE_R343 (005 Adresse)
    capacite: tuple[str, int, int] | None = None  # (TRE_R329 nature, min, max) installed
    habitation: str | None = None  # TRE_R242 type, as many as installed places
    equipements: tuple[str, ...] = ()  # TRE_R212
    sensible: bool = False
    soins_sans_consentement: bool | None = None
    alert: bool = False  # always a level-3 alert contact (else one in three offers)
    probability: float = 1.0
    once: bool = False


def _t(key: str, nom: str, champ: str, mode: str, activites: tuple[str, ...], age: tuple[int, int],
       **kw) -> OfferTemplate:
    return OfferTemplate(key, nom, champ, mode, activites, age, **kw)


DAY = ((WEEKDAYS, "09:00", "17:00"),)
PA, PH, ALL = ("01",), ("02",), ("07",)

# --- Personnes âgées (MS) ---------------------------------------------------------------------
EHPAD_HP = _t("ehpad-hp", "Hébergement permanent", "04", "46", ("293", "285"), (60, 120), type_offre="21",
              temporalite="02", publics=PA, lieu_fonction="003", capacite=("02", 40, 110), habitation="02")
EHPAD_HT = _t("ehpad-ht", "Hébergement temporaire", "04", "46", ("293", "285"), (60, 120), type_offre="21",
              temporalite="01", publics=PA, lieu_fonction="003", capacite=("02", 1, 8), probability=0.7)
EHPAD_UVP = _t("ehpad-uvp", "Unité de vie protégée", "04", "46", ("293", "306"), (60, 120), type_offre="24",
               temporalite="02", publics=PA, modalites=("20",), specialisations=("28",), lieu_fonction="003",
               capacite=("02", 10, 28), equipements=("114",), probability=0.5)
EHPAD_PASA = _t("ehpad-pasa", "Pôle d'activités et de soins adaptés (PASA)", "04", "47", ("306", "313"), (60, 120),
                type_offre="25", temporalite="02", publics=PA, specialisations=("28",),
                horaires=((WEEKDAYS, "10:00", "17:00"),), capacite=("02", 12, 14), probability=0.4)
ACCUEIL_JOUR = _t("accueil-jour", "Accueil de jour", "04", "47", ("306", "325"), (60, 120), type_offre="21",
                  temporalite="02", publics=PA, specialisations=("28",), horaires=DAY, capacite=("02", 6, 12))
RESIDENCE_AUTONOMIE = _t("residence-autonomie", "Résidence autonomie", "04", "46", ("298", "312"), (60, 120),
                         type_offre="22", temporalite="02", publics=("03",), lieu_fonction="003",
                         capacite=("03", 20, 80), habitation="03")

# --- Domicile (MS) ----------------------------------------------------------------------------
SSIAD = _t("ssiad", "Soins infirmiers à domicile", "04", "49", ("287", "288"), (18, 120), type_offre="28",
           publics=("01", "02"), modalites=("27",), professions=("20",), zone=True,
           horaires=((EVERY_DAY, "08:00", "19:00"),), capacite=("02", 25, 90))
ESA = _t("esa", "Équipe spécialisée Alzheimer (ESA)", "04", "49", ("306", "325"), (40, 120), type_offre="29",
         publics=PA, specialisations=("28",), zone=True, horaires=DAY, capacite=("02", 10, 10), probability=0.3)
SAD_AIDE_SOINS = _t("sad-aide-soins", "Aide et soins à domicile", "04", "49", ("287", "293", "299"), (18, 120),
                    type_offre="132", publics=("01", "02"), modes_gestion=("01",), professions=("20",), zone=True)
SAD_AIDE = _t("sad-aide", "Aide à domicile", "04", "49", ("298", "299"), (18, 120), type_offre="30",
              publics=("01", "02"), modes_gestion=("01",), zone=True)

# --- Hospitals (MCO, SMR) ---------------------------------------------------------------------
URGENCES = _t("urgences", "Urgences", "01", "33", ("157",), (0, 120), type_offre="20", lieu_fonction="001",
              equipements=("064", "207"), alert=True)
MEDECINE = _t("medecine", "Médecine polyvalente", "01", "28", ("083",), (16, 120), type_offre="238",
              lieu_fonction="001", capacite=("01", 20, 60), equipements=("225", "115"))
GERIATRIE = _t("geriatrie", "Médecine gériatrique aiguë", "01", "28", ("491",), (75, 120), type_offre="156",
               publics=PA, lieu_fonction="001", capacite=("01", 15, 30))
CHIRURGIE = _t("chirurgie", "Chirurgie orthopédique et traumatologique", "01", "28", ("025", "145"), (15, 120),
               type_offre="150", lieu_fonction="006", capacite=("01", 15, 40), equipements=("227",))
AMBULATOIRE = _t("ambulatoire", "Chirurgie ambulatoire", "01", "09", ("033",), (15, 120), type_offre="153",
                 horaires=((WEEKDAYS, "07:30", "19:00"),), lieu_fonction="006", capacite=("02", 8, 20))
MATERNITE = _t("maternite", "Maternité", "01", "28", ("100", "282"), (12, 55), type_offre="157",
               lieu_fonction="013", capacite=("01", 15, 40), equipements=("145",))
REANIMATION = _t("reanimation", "Réanimation polyvalente", "01", "28", ("127",), (15, 120), type_offre="121",
                 lieu_fonction="001", capacite=("01", 8, 20), equipements=("093", "064"), alert=True)
USLD = _t("usld", "Unité de soins de longue durée", "01", "28", ("333",), (60, 120), type_offre="249",
          temporalite="02", publics=PA, lieu_fonction="001", capacite=("01", 20, 60))
SMR = _t("smr", "Soins médicaux et de réadaptation polyvalents", "02", "28", ("172",), (18, 120), type_offre="100",
         lieu_fonction="004", capacite=("01", 20, 50), equipements=("150",))
SMR_GERIATRIE = _t("smr-geriatrie", "SMR gériatrique", "02", "28", ("241",), (60, 120), type_offre="101",
                   publics=PA, lieu_fonction="004", capacite=("01", 15, 40))
SMR_LOCOMOTEUR = _t("smr-locomoteur", "SMR locomoteur", "02", "28", ("233",), (16, 120), type_offre="102",
                    lieu_fonction="004", capacite=("01", 15, 40), equipements=("150", "192"))
SMR_HJ = _t("smr-hj", "Hôpital de jour SMR", "02", "29", ("172", "283"), (18, 120), type_offre="100",
            horaires=((WEEKDAYS, "08:30", "17:00"),), lieu_fonction="012", capacite=("02", 5, 15))
HAD = _t("had", "Hospitalisation à domicile", "01", "31", ("083", "170"), (18, 120), type_offre="128", zone=True,
         capacite=("02", 20, 60), alert=True)
HEMODIALYSE = _t("hemodialyse", "Hémodialyse en centre", "01", "20", ("059",), (18, 120), type_offre="274",
                 horaires=(((1, 2, 3, 4, 5, 6), "07:00", "20:00"),), capacite=("02", 10, 24))
AUTODIALYSE = _t("autodialyse", "Autodialyse assistée", "01", "20", ("059",), (18, 120), type_offre="273",
                 modalites=("24",), horaires=(((1, 3, 5), "07:30", "19:00"),), capacite=("02", 6, 12))
CHIMIOTHERAPIE = _t("chimiotherapie", "Chimiothérapie en hôpital de jour", "01", "29", ("164",), (18, 120),
                    type_offre="118", horaires=DAY, capacite=("02", 10, 30))
RADIOTHERAPIE = _t("radiotherapie", "Radiothérapie", "01", "20", ("168",), (18, 120), type_offre="117",
                   horaires=((WEEKDAYS, "08:00", "19:00"),))
# Health unit for detainees: sensitive (hidden below the regulation profile).
MILIEU_PENITENTIAIRE = _t("milieu-penitentiaire", "Unité sanitaire en milieu pénitentiaire", "01", "20", ("089",),
                          (18, 120), type_offre="69", equipements=("137",), sensible=True, alert=True, once=True)

# --- Psychiatry -------------------------------------------------------------------------------
PSY_HC = _t("psy-hc", "Psychiatrie adulte — hospitalisation complète", "03", "28", ("229",), (18, 120),
            type_offre="16", lieu_fonction="002", capacite=("01", 20, 40), equipements=("097",),
            soins_sans_consentement=True)
PSY_HJ = _t("psy-hj", "Hôpital de jour de psychiatrie adulte", "03", "29", ("229", "231"), (18, 120),
            type_offre="11", horaires=DAY, capacite=("02", 10, 25))
CMP_ADULTES = _t("cmp-adultes", "Centre médico-psychologique adultes", "03", "32", ("229",), (18, 120),
                 type_offre="10", horaires=DAY)
CMP_ENFANTS = _t("cmp-enfants", "Centre médico-psychologique enfants et adolescents", "03", "32", ("227", "228"),
                 (0, 17), type_offre="10", horaires=DAY)
CATTP = _t("cattp", "Centre d'accueil thérapeutique à temps partiel", "03", "42", ("229", "231"), (18, 120),
           type_offre="05", horaires=DAY)
APPARTEMENT_THERAPEUTIQUE = _t("appartement-therapeutique", "Appartement thérapeutique", "03", "46", ("231",),
                               (18, 120), type_offre="01", temporalite="01", capacite=("02", 3, 8))
UHSA = _t("uhsa", "Unité hospitalière spécialement aménagée (UHSA)", "03", "28", ("229", "089"), (18, 120),
          type_offre="17", lieu_fonction="002", capacite=("01", 20, 40), equipements=("137", "097"), sensible=True,
          soins_sans_consentement=True, alert=True, once=True)

# --- Personnes handicapées (MS) ---------------------------------------------------------------


def _ph(key: str, nom: str, mode: str, activites: tuple[str, ...], age: tuple[int, int], **kw) -> OfferTemplate:
    """A PH offer: champ MS, public 02 (personnes en situation de handicap)."""
    kw.setdefault("publics", PH)
    if mode in {"46", "47"}:
        kw.setdefault("temporalite", "02")
        kw.setdefault("lieu_fonction", "003" if mode == "46" else "005")
        kw.setdefault("capacite", ("02", 8, 60))
    if mode == "47":
        kw.setdefault("horaires", ((WEEKDAYS, "09:00", "16:30"),))
    return _t(key, nom, "04", mode, activites, age, **kw)


IME_SEMI = _ph("ime-semi-internat", "Semi-internat IME", "47", ("300", "293"), (6, 20), type_offre="48",
               specialisations=("14",))
IME_INTERNAT = _ph("ime-internat", "Internat IME", "46", ("300", "293"), (6, 20), type_offre="48",
                   specialisations=("14",), probability=0.6)
SESSAD = _ph("sessad", "Service d'éducation spéciale et de soins à domicile", "49", ("300", "283"), (0, 20),
             type_offre="57", zone=True, horaires=DAY, capacite=("02", 15, 40))
ITEP = _ph("itep", "Semi-internat ITEP", "47", ("300", "289"), (6, 20), type_offre="50", specialisations=("26",))
EEAP = _ph("eeap", "Établissement pour enfants polyhandicapés", "46", ("293", "285"), (0, 20), type_offre="51",
           specialisations=("17",))
IEM = _ph("iem", "Institut d'éducation motrice", "47", ("300", "291"), (3, 20), type_offre="49",
          specialisations=("22",))
DEFICIENTS_VISUELS = _ph("deficients-visuels", "Institut pour déficients visuels", "47", ("300", "294"), (3, 20),
                         type_offre="52", specialisations=("19",))
DEFICIENTS_AUDITIFS = _ph("deficients-auditifs", "Institut pour déficients auditifs", "47", ("300", "294"), (3, 20),
                          type_offre="53", specialisations=("18",))
CAMSP = _ph("camsp", "Centre d'action médico-sociale précoce", "54", ("448", "557"), (0, 6), type_offre="61",
            horaires=DAY)
CMPP = _ph("cmpp", "Centre médico-psycho-pédagogique", "32", ("289", "200"), (0, 20), type_offre="62", horaires=DAY)
MAS = _ph("mas", "Maison d'accueil spécialisée", "46", ("293", "285"), (20, 120), type_offre="40",
          specialisations=("17",))
MAS_TEMPORAIRE = _ph("mas-temporaire", "Accueil temporaire MAS", "46", ("293", "285"), (20, 120), type_offre="40",
                     temporalite="01", capacite=("02", 1, 4), probability=0.3)
FAM = _ph("fam", "Foyer d'accueil médicalisé", "46", ("293", "285"), (20, 120), type_offre="39",
          specialisations=("16",))
ESAT = _ph("esat", "Établissement et service d'aide par le travail", "47", ("304", "305"), (18, 62), type_offre="43",
           horaires=((WEEKDAYS, "08:30", "16:30"),), capacite=("02", 40, 120))
FOYER_VIE = _ph("foyer-vie", "Foyer de vie", "46", ("293", "313"), (20, 120), type_offre="97")
FOYER_HEBERGEMENT = _ph("foyer-hebergement", "Foyer d'hébergement", "46", ("298", "312"), (18, 65), type_offre="96")
SAVS = _ph("savs", "Service d'accompagnement à la vie sociale", "49", ("298", "312"), (18, 120), type_offre="31",
           zone=True, horaires=DAY)
SAMSAH = _ph("samsah", "Service d'accompagnement médico-social pour adultes handicapés", "49", ("285", "298"),
             (18, 120), type_offre="32", zone=True, horaires=DAY)
ACCUEIL_TEMPORAIRE_PH = _ph("accueil-temporaire-ph", "Accueil temporaire", "46", ("293", "394"), (18, 120),
                            type_offre="256", temporalite="01")
ACCUEIL_TEMPORAIRE_ENFANTS = _ph("accueil-temporaire-enfants", "Accueil temporaire enfants", "46", ("293", "394"),
                                 (0, 20), temporalite="01")
CAFS = _ph("cafs", "Accueil familial spécialisé", "50", ("293", "308"), (0, 20), type_offre="37")

# --- Addictions, précarité, ville -------------------------------------------------------------
CSAPA = _t("csapa", "Consultations en addictologie", "04", "32", ("404", "003"), (12, 120), type_offre="80",
           publics=("04",), horaires=DAY)
CAARUD = _t("caarud", "Accueil et réduction des risques", "04", "54", ("450",), (18, 120), type_offre="81",
            publics=("04",), horaires=DAY)
ACT = _t("act", "Appartements de coordination thérapeutique", "04", "46", ("340", "298"), (18, 120),
         type_offre="94", temporalite="02", publics=("09",), capacite=("02", 5, 15))
LHSS = _t("lhss", "Lits halte soins santé", "04", "46", ("285", "287"), (18, 120), type_offre="93",
          temporalite="01", publics=("06",), capacite=("01", 5, 15))
LAM = _t("lam", "Lits d'accueil médicalisés", "04", "46", ("285", "287"), (18, 120), type_offre="95",
         temporalite="02", publics=("06",), capacite=("01", 10, 25))
SANTE_SEXUELLE = _t("sante-sexuelle", "Centre de santé sexuelle", "04", "32", ("527", "162"), (12, 120),
                    type_offre="89", horaires=DAY)
MSP = _t("msp", "Consultations de médecine générale", "05", "32", ("437",), (0, 120), type_offre="99",
         horaires=((WEEKDAYS, "08:00", "19:00"),))
CPTS = _t("cpts", "Coordination territoriale", "05", "58", ("335", "475"), (0, 120), type_offre="255", horaires=DAY)

TEMPLATES: dict[str, tuple[OfferTemplate, ...]] = {
    "500": (EHPAD_HP, EHPAD_HT, EHPAD_UVP, EHPAD_PASA, replace(ACCUEIL_JOUR, probability=0.35)),
    "501": (RESIDENCE_AUTONOMIE,), "502": (RESIDENCE_AUTONOMIE,), "202": (RESIDENCE_AUTONOMIE,),
    "207": (ACCUEIL_JOUR,),
    "354": (SSIAD, ESA), "209": (SAD_AIDE_SOINS,), "460": (SAD_AIDE,),
    "101": (URGENCES, MEDECINE, CHIRURGIE, AMBULATOIRE, MATERNITE, REANIMATION, SMR, MILIEU_PENITENTIAIRE),
    "355": (URGENCES, MEDECINE, GERIATRIE, CHIRURGIE, AMBULATOIRE, MATERNITE, SMR, USLD),
    "106": (MEDECINE, SMR_GERIATRIE, USLD),
    "365": (CHIRURGIE, AMBULATOIRE, MEDECINE, SMR),
    "128": (CHIRURGIE, AMBULATOIRE), "129": (MEDECINE, GERIATRIE), "122": (MATERNITE,),
    "109": (SMR, SMR_LOCOMOTEUR, SMR_HJ, SMR_GERIATRIE), "362": (USLD,), "127": (HAD,),
    "141": (HEMODIALYSE,), "146": (AUTODIALYSE,), "131": (CHIMIOTHERAPIE, RADIOTHERAPIE),
    "292": (PSY_HC, PSY_HJ, CMP_ADULTES, CMP_ENFANTS, UHSA), "161": (PSY_HC,), "156": (CMP_ADULTES, CMP_ENFANTS),
    "425": (CATTP,), "412": (APPARTEMENT_THERAPEUTIQUE,),
    "183": (IME_SEMI, IME_INTERNAT), "182": (SESSAD,), "186": (ITEP,), "188": (EEAP,), "192": (IEM,),
    "194": (DEFICIENTS_VISUELS,), "195": (DEFICIENTS_AUDITIFS,), "190": (CAMSP,), "189": (CMPP,),
    "255": (MAS, MAS_TEMPORAIRE), "437": (FAM,), "448": (FAM,), "246": (ESAT,), "382": (FOYER_VIE,),
    "449": (FOYER_VIE,), "252": (FOYER_HEBERGEMENT,), "446": (SAVS,), "445": (SAMSAH,),
    "395": (ACCUEIL_TEMPORAIRE_PH,), "390": (ACCUEIL_TEMPORAIRE_ENFANTS,), "238": (CAFS,),
    "197": (CSAPA,), "178": (CAARUD,), "165": (ACT,), "180": (LHSS,), "213": (LAM,), "228": (SANTE_SEXUELLE,),
    "603": (MSP,), "604": (CPTS,), "124": (MSP,), "SA05": (MSP,),
}

# Fallback by the J55 BI domain (``ror_domaine_bi``): champ, mode, activité, public.
_GENERIC = {
    "Sanitaire": ("01", "32", ("083",), ALL),
    "Medico-social": ("04", "54", ("293",), PH),
    "Offre de ville": ("05", "32", ("437",), ALL),
    "Coordination": ("05", "58", ("335",), ALL),
}
_SOCIAL = ("06", "54", ("317",), ("06",))


def generic_template(domaine: str | None) -> OfferTemplate:
    """A plain offer of the right champ for a category without a dedicated template."""
    champ, mode, activites, publics = _GENERIC.get(domaine or "", _SOCIAL)
    return _t(f"generic-{champ}", "Accueil et orientation", champ, mode, activites, (0, 120), publics=publics,
              horaires=DAY)


def templates_for(categorie: str | None, domaine: str | None) -> tuple[OfferTemplate, ...]:
    """The templates of an EG category, or one generic offer for its domain."""
    return TEMPLATES.get(categorie or "", (generic_template(domaine),))


def all_templates() -> list[OfferTemplate]:
    """Every template (each generic variant included), for code checks."""
    seen: list[OfferTemplate] = []
    candidates = [t for group in TEMPLATES.values() for t in group]
    candidates += [generic_template(domaine) for domaine in [*_GENERIC, None]]
    for template in candidates:
        if template not in seen:
            seen.append(template)
    return seen
