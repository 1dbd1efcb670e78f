"""Meilisearch settings of the offers index, in code: applied at start-up and by every reindex.

Choices worth knowing:

* searchable attributes go from the most specific (the offer's own name, the EG's names, the
  acronyms people type) to the broadest (région, identifiers): Meilisearch's ``attribute`` rule
  ranks a match in an earlier attribute higher;
* ``sort`` comes right after ``words`` in the ranking rules, so "sort by distance" orders results
  that match the same number of query words by distance instead of by typo count;
* typos are allowed from 4 letters ("ehpd" finds "ehpad") but never on identifiers and numbers
  (FINESS, SIRET, postcodes): a FINESS with one wrong digit is another establishment;
* synonyms are generated from groups of equivalent terms (acronym ↔ expansion); Meilisearch only
  looks synonyms up for terms of 1 to 3 words, so longer expansions are targets only, and a stop
  word inside such a term would break it, so those few words are not stop words.
"""

from __future__ import annotations

import unicodedata

from meilisearch_python_sdk.models.settings import (
    Faceting,
    MeilisearchSettings,
    MinWordSizeForTypos,
    Pagination,
    TypoTolerance,
)

from ror_graph.models import registry

PRIMARY_KEY = "id"
MAX_TOTAL_HITS = 10_000
MAX_VALUES_PER_FACET = 200

# Searchable attributes by rank (earlier ranks outweigh later ones); code labels of the registry's
# search documents take their ``search_rank`` among these.
FIXED_SEARCH_RANKS: dict[str, int] = {
    "nom": 10, "nomOperationnel": 20, "raisonSociale": 30, "keywords": 40, "commune.nom": 70, "codePostal": 80,
    "raisonSocialeLongue": 200, "entiteJuridique.raisonSociale": 210, "departement.nom": 220, "region.nom": 230,
    "finess": 240, "siret": 250, "identifiant": 260,
}
LABEL_SEARCH_RANKS: dict[str, int] = {
    f"{key}.label": group[0].search_rank for key, group in registry.documents().items()
    if group[0].search_rank is not None
}
SEARCHABLE_ATTRIBUTES = [
    name for name, _ in sorted({**FIXED_SEARCH_RANKS, **LABEL_SEARCH_RANKS}.items(), key=lambda item: item[1])
]

# Filter name (the GraphQL connections' vocabulary) -> document attribute: places, then the registry's facets.
PLACE_FACETS: dict[str, str] = {"departement": "departement.code", "region": "region.code", "commune": "commune.code"}
FACET_ATTRIBUTES: dict[str, str] = {
    **PLACE_FACETS, **{name: f"{group[0].document}.code" for name, group in registry.facets().items()}
}

FILTERABLE_ATTRIBUTES = [
    PRIMARY_KEY,  # searches exclude the ids the recent index shadows (search_index.recent)
    *FACET_ATTRIBUTES.values(),
    "zoneCommunes",
    "ageMin",
    "ageMax",
    "etablissementId",
    "finess",
    "_geo",
]
SORTABLE_ATTRIBUTES = ["_geo", "nom", "raisonSociale", "updatedAt"]
RANKING_RULES = ["words", "sort", "typo", "proximity", "attribute", "exactness"]
NO_TYPO_ATTRIBUTES = ["finess", "siret", "codePostal", "identifiant", "entiteJuridique.finess"]

FRENCH_STOP_WORDS = [
    "a", "à", "au", "aux", "avec", "ce", "ces", "cette", "d", "dans", "de", "des", "du", "elle", "en", "et",
    "il", "ils", "je", "l", "la", "le", "les", "leur", "leurs", "lui", "ma", "mais", "me", "mes", "moi", "mon",
    "ne", "nos", "notre", "nous", "on", "ou", "où", "par", "pas", "pour", "qu", "que", "qui", "s", "sa", "se",
    "ses", "son", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
]

# Groups of equivalent terms (normalised by Meilisearch: case and accents do not matter).
SYNONYM_GROUPS: list[list[str]] = [
    ["ehpad", "maison de retraite", "établissement d'hébergement pour personnes âgées dépendantes"],
    ["ssiad", "soins infirmiers à domicile", "service de soins infirmiers à domicile"],
    ["saad", "aide à domicile", "service d'aide et d'accompagnement à domicile"],
    ["sad", "service autonomie à domicile", "services autonomie à domicile"],
    ["spasad", "service polyvalent d'aide et de soins à domicile"],
    ["cmp", "centre médico-psychologique", "centre médico psychologique"],
    ["cattp", "centre d'accueil thérapeutique à temps partiel"],
    ["ime", "institut médico-éducatif", "institut médico éducatif"],
    ["esat", "établissement et service d'aide par le travail", "aide par le travail"],
    ["had", "hospitalisation à domicile"],
    ["usld", "soins de longue durée", "unité de soins de longue durée"],
    ["smr", "ssr", "soins médicaux et de réadaptation", "soins de suite et de réadaptation"],
    ["mco", "médecine chirurgie obstétrique"],
    ["csapa", "centre de soins d'accompagnement et de prévention en addictologie", "addictologie"],
    ["caarud", "réduction des risques pour usagers de drogues"],
    ["act", "appartement de coordination thérapeutique", "appartements de coordination thérapeutique"],
    ["lam", "lits d'accueil médicalisés"],
    ["lhss", "lits halte soins santé"],
    ["fam", "foyer d'accueil médicalisé"],
    ["mas", "maison d'accueil spécialisée"],
    ["sessad", "service d'éducation spéciale et de soins à domicile"],
    ["usp", "unité de soins palliatifs"],
    ["emsp", "équipe mobile de soins palliatifs"],
    ["hdj", "hôpital de jour"],
    ["psy", "psychiatrie"],
    ["pa", "personnes âgées"],
    ["ph", "personnes handicapées", "personnes en situation de handicap"],
]
SYNONYM_LOOKUP_MAX_WORDS = 3


def synonyms(groups: list[list[str]] = SYNONYM_GROUPS) -> dict[str, list[str]]:
    """Mutual synonyms for each term of each group that Meilisearch can look up (≤ 3 words)."""
    result: dict[str, list[str]] = {}
    for group in groups:
        for term in group:
            if len(_words(term)) > SYNONYM_LOOKUP_MAX_WORDS:
                continue
            others = [other for other in group if other != term]
            result.setdefault(term, [])
            result[term].extend(o for o in others if o not in result[term])
    return result


def _words(term: str) -> list[str]:
    return term.lower().replace("'", " ").replace("-", " ").split()


def stop_words(groups: list[list[str]] = SYNONYM_GROUPS) -> list[str]:
    """French stop words, minus those inside a multi-word synonym Meilisearch looks up.

    A stop word inside a query phrase stops the synonym from matching ("maison de retraite" would
    no longer find EHPADs if "de" were a stop word), so synonyms win over stop words.
    """
    inside = {w for group in groups for term in group if 1 < len(_words(term)) <= SYNONYM_LOOKUP_MAX_WORDS
              for w in _words(term)}
    folded = {w.replace("à", "a").replace("ù", "u") for w in inside} | inside
    return [w for w in FRENCH_STOP_WORDS if w not in folded and w.replace("à", "a").replace("ù", "u") not in folded]


def index_settings() -> MeilisearchSettings:
    """The full settings object (every call returns a fresh copy)."""
    return MeilisearchSettings(
        searchable_attributes=SEARCHABLE_ATTRIBUTES,
        filterable_attributes=FILTERABLE_ATTRIBUTES,
        sortable_attributes=SORTABLE_ATTRIBUTES,
        ranking_rules=RANKING_RULES,
        stop_words=stop_words(),
        synonyms=synonyms(),
        typo_tolerance=TypoTolerance(
            enabled=True,
            disable_on_attributes=NO_TYPO_ATTRIBUTES,
            disable_on_numbers=True,
            min_word_size_for_typos=MinWordSizeForTypos(one_typo=4, two_typos=8),
        ),
        pagination=Pagination(max_total_hits=MAX_TOTAL_HITS),
        faceting=Faceting(max_values_per_facet=MAX_VALUES_PER_FACET, sort_facet_values_by={"*": "count"}),
        facet_search=False,  # facet *search* (type-ahead inside a facet) is unused: saves work on every update
    )


def current_settings_problem(live: dict) -> str | None:
    """What differs between an index's live settings (Meilisearch's JSON) and the settings in code.

    ``None`` when current. Compares what search results depend on (attributes, ranking, stop words,
    synonyms, limits), as sets where Meilisearch keeps no order and in NFC (it may store words decomposed);
    used by the readiness probe.
    """
    wanted = index_settings()
    as_set = lambda values: sorted({unicodedata.normalize("NFC", v) for v in values or []})  # noqa: E731
    checks = {
        "searchableAttributes": (live.get("searchableAttributes"), wanted.searchable_attributes),
        "filterableAttributes": (as_set(live.get("filterableAttributes")), as_set(wanted.filterable_attributes)),
        "sortableAttributes": (as_set(live.get("sortableAttributes")), as_set(wanted.sortable_attributes)),
        "rankingRules": (live.get("rankingRules"), wanted.ranking_rules),
        "stopWords": (as_set(live.get("stopWords")), as_set(wanted.stop_words)),
        "synonyms": ({k: sorted(v) for k, v in (live.get("synonyms") or {}).items()},
                     {k: sorted(v) for k, v in (wanted.synonyms or {}).items()}),
        "maxTotalHits": ((live.get("pagination") or {}).get("maxTotalHits"), MAX_TOTAL_HITS),
    }
    stale = [name for name, (have, want) in checks.items() if have != want]
    return f"index settings not current ({', '.join(stale)}): restart a worker or run `ror-graph reindex`" \
        if stale else None
