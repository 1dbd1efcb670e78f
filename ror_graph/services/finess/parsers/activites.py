"""FINESS+ JSON "FINESS Activités": the capacities of each établissement, streamed with ijson.

``ijson.items(…, "pmej.item")`` yields one PM-EJ with its ``ege[]`` at a time (never the whole
document). Each ``ege`` becomes one ``CapacitesRecord``: the complete set of ``CapaciteFiness``
rows FINESS states for that EG (possibly empty), or a ``Rejected`` with its ``pmej[i].ege[j]``
path (1-based, as for the Structures file). Field guide: shared/data/finess/finess-plus/README.md.

Mapping of one ``capacite[]`` entry of an **active** (``etatObjet`` ``A``) exercised activity
(``ege[].activitesExercees[]``; the authorisations of the PM-EJ are not per EG and are ignored):

* ``statut_code`` = ``statutCapacite`` as is: FINESS already uses TRE_R330, ``09`` autorisé,
  ``08`` installé constaté (the only two values the example and the schema carry). Any other
  value rejects the EG (its stored set is left alone).
* ``nombre`` = ``nombre`` (a string of digits). ``uniteMesureCapacite`` (``02`` everywhere),
  ``genre``, ``typeLogement``, ``habilitation``, ``modeFinancement`` have no column: two entries
  differing only by them stay two rows.
* discipline / activité / clientèle come from ``nature.caracteristiquesSpecifiques.typeActivite…``.
  The médico-social natures (ASMR — spelt AMSR by the schema —, ASOCR, ASDR, AER) carry the
  classic FINESS triplet, mapped one to one: activité régulée (e.g. ``activiteSocialeRegulee``
  841) → ``discipline_code`` (discipline d'équipement), ``modeFonctionnement`` →
  ``activite_code`` (type d'activité: 11 hébergement complet, 21 accueil de jour…), ``public`` →
  ``clientele_code``. The sanitary natures (ASR, AASA, AMF, AMM) have activité / modalité / forme
  (AMM: activité / modalité / mention) instead: activité de soins → ``discipline_code``, modalité
  → ``activite_code``, forme (mention) → ``clientele_code`` (the third axis of the triplet; they
  have no clientèle). A nature outside this table with capacities rejects the EG.
* ages: ASMR/ASOCR carry ``ageMin/MaxAutorise`` (used for statut 09) and ``ageMin/MaxInstalle``
  (statut 08); a 0–0 pair is FINESS's filler for "not given" and becomes null.
* ``date_autorisation`` = ``dateDebutActiviteAutorisee`` of the exercised activity.

AMM ``appareil[]`` counts are equipment (appareils), not capacities: not imported here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

import ijson

from ror_graph.services.finess.parsers.records import FinessFormatError, Rejected, clean, parse_date

FINESS_ACTIVITES = "finess-activites"
AUTORISE, INSTALLE = "09", "08"
ACTIVE = "A"
CODE_MAX_LENGTH = 10
_SOCIAL_AXES = ("modeFonctionnement", "public")
_SANITARY_AXES = ("modaliteActivite", "formeActivite")
#: codeNature → (key of the ``typeActivite…`` object, its keys for discipline, activité, clientèle).
NATURE_AXES: dict[str, tuple[str, tuple[str, str, str]]] = {
    "ASMR": ("typeActiviteAMSR", ("activiteSocialeRegulee", *_SOCIAL_AXES)),
    "AMSR": ("typeActiviteAMSR", ("activiteSocialeRegulee", *_SOCIAL_AXES)),
    "ASOCR": ("typeActiviteASOCR", ("activiteSocialeRegulee", *_SOCIAL_AXES)),
    "ASDR": ("typeActiviteASDR", ("activiteSanitaireDiverseRegulee", *_SOCIAL_AXES)),
    "AER": ("typeActiviteAER", ("activiteEnseignementRegulee", *_SOCIAL_AXES)),
    "ASR": ("typeActiviteASR", ("activiteSanitaireRegulee", *_SANITARY_AXES)),
    "AASA": ("typeActiviteAASA", ("activiteSanitaireRegulee", *_SANITARY_AXES)),
    "AMF": ("typeActiviteAMF", ("activiteAMF", *_SANITARY_AXES)),
    "AMM": ("typeActiviteAMM", ("activiteAMM", "modaliteAMM", "mentionAMM")),
}
#: Age keys of the natures that carry ages, by statut.
AGE_KEYS = {AUTORISE: ("ageMinAutorise", "ageMaxAutorise"), INSTALLE: ("ageMinInstalle", "ageMaxInstalle")}


@dataclass(frozen=True, slots=True)
class CapaciteRow:
    """One ``CapaciteFiness`` row as FINESS states it (hashable: sets are compared as multisets)."""

    discipline_code: str | None
    activite_code: str | None
    clientele_code: str | None
    statut_code: str
    nombre: int
    age_min: int | None = None
    age_max: int | None = None
    date_autorisation: date | None = None

    def sort_key(self) -> tuple[str, ...]:
        return tuple("" if v is None else str(v).zfill(12) for v in (
            self.statut_code, self.discipline_code, self.activite_code, self.clientele_code, self.nombre,
            self.age_min, self.age_max, self.date_autorisation))


@dataclass(slots=True)
class CapacitesRecord:
    """The complete capacity set of one EG (``finess``) in the file; ``line`` is the 1-based pmej ordinal."""

    line: int
    finess: str
    where: str
    rows: list[CapaciteRow] = field(default_factory=list)


def _int(value: Any, what: str) -> int | None:
    text = clean(value)
    if text is None:
        return None
    if not text.isdigit():
        raise ValueError(f"{what} {text!r} n'est pas un entier positif")
    return int(text)


def _ages(specific: dict[str, Any], statut: str) -> tuple[int | None, int | None]:
    low_key, high_key = AGE_KEYS[statut]
    low, high = _int(specific.get(low_key), low_key), _int(specific.get(high_key), high_key)
    if low == 0 and high == 0:
        return None, None
    return low, high


def _activity_rows(activity: dict[str, Any]) -> list[CapaciteRow]:
    """Rows of one exercised activity; ValueError with the reason when an entry cannot be mapped."""
    generic = activity.get("caracteristiquesGeneriques") or {}
    capacities = activity.get("capacite") or []
    if generic.get("etatObjet") != ACTIVE or not capacities:
        return []
    nature = activity.get("nature") or {}
    code_nature = clean(nature.get("codeNature"))
    if code_nature not in NATURE_AXES:
        raise ValueError(f"activité {generic.get('activiteAeId')}: nature {code_nature!r} inconnue")
    type_key, axes = NATURE_AXES[code_nature]
    specific = nature.get("caracteristiquesSpecifiques") or {}
    values = specific.get(type_key) or {}
    discipline, activite, clientele = (clean(values.get(key)) for key in axes)
    for code in (discipline, activite, clientele):
        if code is not None and len(code) > CODE_MAX_LENGTH:
            raise ValueError(f"code {code!r} trop long ({CODE_MAX_LENGTH} caractères au plus)")
    when = parse_date(generic.get("dateDebutActiviteAutorisee"))
    rows = []
    for capacity in capacities:
        statut = clean(capacity.get("statutCapacite"))
        if statut not in AGE_KEYS:
            raise ValueError(f"capacité {capacity.get('idCapacite')}: statutCapacite {statut!r} (08 ou 09 attendu)")
        nombre = _int(capacity.get("nombre"), "nombre")
        if nombre is None:
            raise ValueError(f"capacité {capacity.get('idCapacite')}: nombre absent")
        age_min, age_max = _ages(specific, statut) if code_nature in ("ASMR", "AMSR", "ASOCR") else (None, None)
        rows.append(CapaciteRow(discipline, activite, clientele, statut, nombre, age_min, age_max, when))
    return rows


def _ege(index: int, position: int, ege: Any) -> CapacitesRecord | Rejected:
    where = f"pmej[{index}].ege[{position}]"
    if not isinstance(ege, dict):
        return Rejected(index, "élément ege qui n'est pas un objet", where=where)
    finess = clean(ege.get("numFinessEge"))
    if finess is None:
        return Rejected(index, "EGE sans numFinessEge", where=where)
    record = CapacitesRecord(index, finess, where)
    try:
        for activity in ege.get("activitesExercees") or []:
            record.rows.extend(_activity_rows(activity if isinstance(activity, dict) else {}))
    except ValueError as exc:
        return Rejected(index, f"capacités: {exc}", finess=finess, where=where)
    return record


def parse_finess_activites(stream: BinaryIO) -> Iterator[CapacitesRecord | Rejected]:
    """One record per ``ege`` of the file, in file order."""
    try:
        for index, pmej in enumerate(ijson.items(stream, "pmej.item"), start=1):
            if not isinstance(pmej, dict):
                yield Rejected(index, "élément pmej qui n'est pas un objet", where=f"pmej[{index}]")
                continue
            for position, ege in enumerate(pmej.get("ege") or [], start=1):
                yield _ege(index, position, ege)
    except (ijson.JSONError, ijson.IncompleteJSONError) as exc:
        raise FinessFormatError(f"JSON FINESS Activités illisible: {exc}") from exc
