"""Suggestions of the search box: communes, catégories and activités whose words start as typed.

A small in-memory index built once per reference snapshot (≈ 35,000 communes and a few hundred
labels): accents and case folded, each typed word must start a word of the name. Typo tolerance is
the search's job (Meilisearch); suggestions only complete what people are typing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from search_index.documents import CATEGORIE_KEYWORDS
from search_index.query import FACET_SYSTEMS
from search_index.reference import CommuneRef, SearchReference

MAX_SUGGESTIONS = 8
KIND_ORDER = {"categorie": 0, "activite": 1, "commune": 2}
KIND_LABELS = {"categorie": "Catégorie", "activite": "Activité", "commune": "Commune"}
_COMMUNE_TEXT = re.compile(r"^(?P<nom>.+?)\s*\((?P<dep>\d[0-9AB]\d?)\)\s*$")


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces (« Saint-Barthélemy » → saint barthelemy)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


@dataclass(frozen=True)
class Entry:
    kind: str
    code: str
    label: str
    weight: int  # lower first: big communes (several postal codes), catégories known by an acronym
    text: str  # folded, each word after a space: a typed word matches where " " + word is found


@dataclass(frozen=True)
class Index:
    entries: tuple[Entry, ...]
    communes_by_name: dict[str, list[CommuneRef]]


_last: list[tuple[SearchReference, Index]] = []


def _index(ref: SearchReference) -> Index:
    """The index of ``ref``, built once per snapshot (the snapshot is renewed every few minutes)."""
    if _last and _last[0][0] is ref:
        return _last[0][1]
    entries: list[Entry] = []
    by_name: dict[str, list[CommuneRef]] = {}
    for c in ref.communes.values():
        name = fold(c.nom)
        by_name.setdefault(name, []).append(c)
        entries.append(Entry("commune", c.code, f"{c.nom} ({c.departement_code})", -len(c.codes_postaux), " " + name))
    for kind in ("categorie", "activite"):
        for code, label in ref.labels.get(FACET_SYSTEMS[kind], {}).items():
            acronyms = CATEGORIE_KEYWORDS.get(code, ()) if kind == "categorie" else ()
            shown = f"{label} ({', '.join(acronyms)})" if acronyms and acronyms[0] not in label else label
            entries.append(Entry(kind, code, shown, -len(acronyms), " " + fold(shown)))
    index = Index(tuple(entries), by_name)
    _last[:] = [(ref, index)]
    return index


def _matches(entry: Entry, starts: list[str]) -> bool:
    return all(start in entry.text for start in starts)


def _found(ref: SearchReference, typed: list[str]) -> list[Entry]:
    starts = [" " + t for t in typed]
    found = [e for e in _index(ref).entries if _matches(e, starts)]
    found.sort(key=lambda e: (not e.text.startswith(starts[0]), KIND_ORDER[e.kind], e.weight, e.text.count(" "),
                              len(e.label), e.label))
    return found


def suggest(ref: SearchReference, text: str, limit: int = MAX_SUGGESTIONS) -> list[dict[str, str]]:
    """Up to ``limit`` suggestions ``{kind, kindLabel, code, label}``: catégories, activités, then communes.

    Names matching every typed word come first, then those matching the word being typed (« ehpad ang »
    suggests Angers: choosing it centres the search there and keeps « ehpad » in the box).
    """
    typed = fold(text).split()
    if not typed or len(" ".join(typed)) < 2:
        return []
    found = _found(ref, typed)[:limit]
    if len(found) < limit and len(typed) > 1 and len(typed[-1]) >= 2:
        found += [e for e in _found(ref, typed[-1:]) if e not in found][: limit - len(found)]
    return [{"kind": e.kind, "kindLabel": KIND_LABELS[e.kind], "code": e.code, "label": e.label} for e in found]


def resolve_commune(ref: SearchReference, text: str) -> str | None:
    """The COG code of « Angers (49) », « angers », « 49007 » or a postal code; ``None`` if unknown."""
    text = text.strip()
    if text in ref.communes:
        return text
    match = _COMMUNE_TEXT.match(text)
    name, dep = (match["nom"], match["dep"]) if match else (text, None)
    candidates = [c for c in _index(ref).communes_by_name.get(fold(name), [])
                  if dep is None or c.departement_code == dep]
    if not candidates and re.fullmatch(r"\d{5}", text):  # a postal code
        candidates = [c for c in ref.communes.values() if text in c.codes_postaux]
    candidates.sort(key=lambda c: (c.latitude is None, c.code))
    return candidates[0].code if candidates else None
