"""Suggestions of the search box: communes, catégories and activités whose words start as typed.

A small in-memory index built once per reference snapshot (≈ 35,000 communes and a few hundred
labels): accents and case folded, each typed word must start a word of the name. Typo tolerance is
the search's job (Meilisearch); suggestions only complete what people are typing.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
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
    """Entries, and every word of every entry sorted (``words[i]`` belongs to ``entries[owners[i]]``):
    the entries having a word that starts with a prefix are one bisected slice."""

    entries: tuple[Entry, ...]
    words: list[str]
    owners: list[int]
    communes_by_name: dict[str, list[CommuneRef]]

    def starting(self, prefix: str) -> set[int]:
        low = bisect_left(self.words, prefix)
        high = bisect_left(self.words, prefix + "\x7f", low)  # folded text is ASCII: \x7f sorts after it
        return set(self.owners[low:high])


_last: list[tuple[tuple[int, ...], Index]] = []


def _fingerprint(ref: SearchReference) -> tuple[int, ...]:
    """Sizes of what the index is built from: the snapshot is re-read every few minutes, but the
    reference data it holds only changes with ``load-reference`` (which changes these sizes)."""
    return (len(ref.communes), *(len(ref.labels.get(FACET_SYSTEMS[k], {})) for k in ("categorie", "activite")))


def _index(ref: SearchReference) -> Index:
    """The index of ``ref`` (≈ 0.5 s to build), built again only when the reference data changed."""
    if _last and _last[0][0] == _fingerprint(ref):
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
    pairs = sorted((word, i) for i, entry in enumerate(entries) for word in set(entry.text.split()))
    index = Index(tuple(entries), [w for w, _ in pairs], [i for _, i in pairs], by_name)
    _last[:] = [(_fingerprint(ref), index)]
    return index


def warm_index(ref: SearchReference) -> None:
    """Build the index now (at start-up) rather than on the first keystroke."""
    _index(ref)


def _found(ref: SearchReference, typed: list[str]) -> list[Entry]:
    index = _index(ref)
    ids = set.intersection(*(index.starting(t) for t in typed))
    found = [index.entries[i] for i in ids]
    first = " " + typed[0]
    found.sort(key=lambda e: (not e.text.startswith(first), KIND_ORDER[e.kind], e.weight, e.text.count(" "),
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
