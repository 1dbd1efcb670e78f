"""``searchOffres``: typo-tolerant, faceted, geographic search over the public offers index.

Hits come from Meilisearch (level-1 data only, no sensitive offer, so the same for every caller);
``SearchHit.unite`` reaches the full offer through the directory, with the caller's visibility.
Bad arguments raise a GraphQL error with ``extensions.code = BAD_INPUT`` and the ``field``;
an unavailable search gives ``SEARCH_UNAVAILABLE``.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, cast

import strawberry

from ror_graph.models import registry
from ror_graph.models.registry import Attribute
from ror_graph.resolvers import search as resolve
from ror_graph.resolvers.context import Info
from ror_graph.resolvers.labels import Concept
from ror_graph.schema.concept import ConceptType
from ror_graph.schema.derive import place
from ror_graph.schema.inputs import code_filter_field
from ror_graph.schema.unite import UniteType
from ror_graph.services.core.errors import BadInputError
from search_index.query import DEFAULT_PER_PAGE, MAX_PER_PAGE, SearchPage, SearchParams


def _upper_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


PLACE_FACETS = {
    "departement": "Département of the établissement.", "region": "Région of the établissement.",
    "commune": "Commune of the établissement.",
}
# Members come from the registry: mypy only types functional Enums whose members are literals (hence
# the ignore), and needs the Enum bound to a plain name to use it as a type, so strawberry.enum (which
# registers and returns that same class) is applied as a statement.
SearchFacetEnum = Enum("SearchFacetEnum", {  # type: ignore[misc]
    _upper_snake(name): strawberry.enum_value(name, description=description)
    for name, description in {
        **PLACE_FACETS, **{name: group[0].description for name, group in registry.facets().items()}
    }.items()
})
strawberry.enum(SearchFacetEnum, name="SearchFacet",
                description="Attributes whose values can be counted over the results.")


@strawberry.enum(name="SearchSort", description="Order of the search results.")
class SearchSortEnum(Enum):
    RELEVANCE = strawberry.enum_value("relevance", description="Best text match first.")
    DISTANCE = strawberry.enum_value("distance", description="Nearest first (needs `near`); text matches first.")


def _list(description: str):
    return strawberry.field(default=None, description=description)


@strawberry.input(
    name="OffreSearchFilter",
    description="Criteria of an offer search (the directory filters' vocabulary); all must hold, a list means any of.",
)
@lambda cls: place(cls, [(group[0].filter_field, None, code_filter_field(group[0]))  # type: ignore[misc]
                         for group in registry.facets().values()], first_after="communes")  # from the registry
class OffreSearchFilterInput:
    departements: list[str] | None = _list("INSEE département codes of the établissement.")
    regions: list[str] | None = _list("INSEE région codes of the établissement.")
    communes: list[str] | None = _list("INSEE COG commune codes of the établissement's address.")
    age: int | None = strawberry.field(default=None, description="An age in years that the offer's range contains.")
    serves_commune: str | None = strawberry.field(
        default=None, description="Only offers whose zone d'intervention includes this COG commune code."
    )


# GraphQL input field -> search filter name (the HTTP API's names).
FILTER_NAMES = {
    "departements": "departement", "regions": "region", "communes": "commune",
    # every facet has a filter field (``registry.check``): the guard only narrows ``str | None``
    **{group[0].filter_field: name for name, group in registry.facets().items() if group[0].filter_field},
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# Field names of ``BadInputError`` (the HTTP parameter names) -> the GraphQL argument path.
ARGUMENT_PATHS = {
    **{name: f"filter.{_camel(attr)}" for attr, name in FILTER_NAMES.items()},
    "age": "filter.age", "servesCommune": "filter.servesCommune", "lat": "near.latitude", "lon": "near.longitude",
    "nearCommune": "near.commune", "radiusKm": "near.radiusKm", "q": "query",
}


@strawberry.input(name="SearchNear", description="A point (latitude + longitude, or a commune's centre) and a radius.")
class SearchNearInput:
    latitude: float | None = strawberry.field(default=None, description="Latitude (WGS84).")
    longitude: float | None = strawberry.field(default=None, description="Longitude (WGS84).")
    commune: str | None = strawberry.field(default=None, description="COG commune code whose centre is the point.")
    radius_km: float | None = strawberry.field(default=None, description="Only offers within this distance, in km.")


@strawberry.type(name="SearchPlace", description="A commune, département or région of a search hit.")
class SearchPlaceType:
    code: str = strawberry.field(description="INSEE code.")
    nom: str | None = strawberry.field(description="Name.")


@strawberry.type(name="SearchPosition", description="A WGS84 point.")
class SearchPositionType:
    latitude: float = strawberry.field(description="Latitude.")
    longitude: float = strawberry.field(description="Longitude.")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _hit_field(attribute: Attribute) -> tuple[Any, Any]:
    annotation = list[ConceptType] if attribute.multiple else ConceptType | None
    return annotation, strawberry.field(description=attribute.description)


# Search document key → its hit field (``typeOffre`` → ``type_offre``) and the attributes behind it.
HIT_FIELDS = {key: (_snake(key), group[0]) for key, group in registry.documents().items()}


@strawberry.type(name="SearchHit", description="One public offer of the results, with its établissement's data.")
@lambda cls: place(cls, [(name, None, _hit_field(a)) for name, a in HIT_FIELDS.values()],
                   first_after="nom_operationnel")  # coded values (catégorie, activités, publics…) from the registry
class SearchHitType:
    identifiant: str | None = strawberry.field(description="National offer identifier `<region>/<id>`.")
    nom: str = strawberry.field(description="Name of the offer.")
    finess: str = strawberry.field(description="FINESS ET number of its établissement.")
    raison_sociale: str = strawberry.field(description="FINESS name of its établissement.")
    nom_operationnel: str | None = strawberry.field(description="Name the établissement uses day to day.")
    age_min: int = strawberry.field(description="Youngest age accepted, in years (inclusive).")
    age_max: int = strawberry.field(description="Oldest age accepted, in years (inclusive).")
    adresse: str | None = strawberry.field(description="Postal address of the établissement, on one line.")
    code_postal: str | None = strawberry.field(description="Postal code of the établissement.")
    commune: SearchPlaceType | None = strawberry.field(description="Commune of the établissement.")
    departement: SearchPlaceType | None = strawberry.field(description="Département of the établissement.")
    region: SearchPlaceType | None = strawberry.field(description="Région of the établissement.")
    telephone: str | None = strawberry.field(description="Public (FINESS) phone number of the établissement.")
    zone_communes: list[str] = strawberry.field(description="COG codes of the communes the offer serves at home.")
    position: SearchPositionType | None = strawberry.field(description="Where the offer is delivered (or its EG).")
    distance_km: float | None = strawberry.field(description="Distance to the `near` point in km, when given.")

    @strawberry.field(description="The full offer from the directory (null if the caller may not see it).")
    async def unite(self, info: Info) -> UniteType | None:
        if not self.identifiant:
            return None
        return await info.context.loaders.unite_by_identifiant.load(self.identifiant)


@strawberry.type(name="SearchFacetValue", description="One value of a facet and how many results have it.")
class SearchFacetValueType:
    code: str = strawberry.field(description="The code (or INSEE code for places).")
    label: str = strawberry.field(description="Its label or name.")
    count: int = strawberry.field(description="Number of results with this value.")


@strawberry.type(name="SearchFacetCounts", description="The value counts of one facet over all the results.")
class SearchFacetCountsType:
    facet: SearchFacetEnum = strawberry.field(description="The counted attribute.")
    values: list[SearchFacetValueType] = strawberry.field(description="Values, most frequent first.")


@strawberry.type(name="SearchResult", description="A page of search results with exhaustive counts.")
class SearchResultType:
    hits: list[SearchHitType] = strawberry.field(description="The offers of this page.")
    facets: list[SearchFacetCountsType] = strawberry.field(description="Counts of the requested facets.")
    total: int = strawberry.field(description="Number of matching offers (all pages).")
    page: int = strawberry.field(description="This page's number, from 1.")
    per_page: int = strawberry.field(description="Page size.")
    total_pages: int = strawberry.field(description="Number of pages.")
    processing_time_ms: int = strawberry.field(description="Time Meilisearch spent, in milliseconds.")


def _concept(system: str, value: dict | None) -> Concept | None:
    return Concept(code=value["code"], label=value.get("label"), system=system) if value else None


def _concepts(system: str, values: list[dict] | None) -> list[Concept]:
    return [Concept(code=v["code"], label=v.get("label"), system=system) for v in values or []]


def _hit_value(attribute: Attribute, value: Any) -> Concept | list[Concept] | None:
    assert attribute.system is not None, f"{attribute.key}: search document fields hold codes"
    return (_concepts if attribute.multiple else _concept)(attribute.system, value)


def _place(value: dict | None) -> SearchPlaceType | None:
    return SearchPlaceType(code=value["code"], nom=value.get("nom")) if value else None


def hit_type(hit: dict[str, Any]) -> SearchHitType:
    """A search document (as returned by ``search_index.query``) as a GraphQL hit."""
    position = hit.get("position")
    return SearchHitType(
        identifiant=hit.get("identifiant"), nom=hit["nom"], finess=hit["finess"], raison_sociale=hit["raisonSociale"],
        nom_operationnel=hit.get("nomOperationnel"),
        **{name: _hit_value(a, hit.get(key)) for key, (name, a) in HIT_FIELDS.items()},
        age_min=hit["ageMin"], age_max=hit["ageMax"], adresse=hit.get("adresse"), code_postal=hit.get("codePostal"),
        commune=_place(hit.get("commune")), departement=_place(hit.get("departement")),
        region=_place(hit.get("region")), telephone=hit.get("telephone"), zone_communes=hit.get("zoneCommunes") or [],
        position=SearchPositionType(latitude=position["lat"], longitude=position["lng"]) if position else None,
        distance_km=hit.get("distanceKm"),
    )


def result_type(page: SearchPage) -> SearchResultType:
    return SearchResultType(
        hits=[hit_type(h) for h in page.hits],
        facets=[
            SearchFacetCountsType(facet=SearchFacetEnum(name), values=[
                SearchFacetValueType(code=v.code, label=v.label, count=v.count) for v in values])
            for name, values in page.facets.items()
        ],
        total=page.total, page=page.page, per_page=page.per_page, total_pages=page.total_pages,
        processing_time_ms=page.processing_time_ms,
    )


def search_params(
    query: str | None, filter: OffreSearchFilterInput | None, near: SearchNearInput | None,
    sort: SearchSortEnum | None, facets: list[SearchFacetEnum] | None, page: int, per_page: int,
) -> SearchParams:
    """GraphQL arguments → the search parameters shared with ``/api/search``."""
    filters = {
        name: list(values) for attr, name in FILTER_NAMES.items() if filter and (values := getattr(filter, attr))
    }
    point = None
    if near and (near.latitude is not None or near.longitude is not None):
        if near.latitude is None or near.longitude is None:
            raise BadInputError("latitude and longitude go together", field="near")
        point = (near.latitude, near.longitude)
    return SearchParams(
        text=query or "", filters=filters, age=filter.age if filter else None,
        serves_commune=filter.serves_commune if filter else None, near=point,
        near_commune=near.commune if near else None, radius_km=near.radius_km if near else None,
        # strawberry.enum swaps each member's EnumValueDefinition for its plain value: a str here
        sort=cast(str, sort.value) if sort else None, facets=[f.value for f in facets or []],
        page=page, per_page=per_page,
    )


@strawberry.type(description="Full-text offer search.")
class SearchQuery:
    @strawberry.field(
        description="Search the public offers: typo-tolerant text, directory filters, facet counts and geography."
    )
    async def search_offres(
        self,
        info: Info,
        query: Annotated[str | None, strawberry.argument(description="Free text (names, places, acronyms...).")] = None,
        filter: Annotated[OffreSearchFilterInput | None, strawberry.argument(description="Criteria.")] = None,
        near: Annotated[SearchNearInput | None, strawberry.argument(description="Point and radius.")] = None,
        sort: Annotated[
            SearchSortEnum | None, strawberry.argument(description="Order; DISTANCE by default when `near` is given.")
        ] = None,
        facets: Annotated[
            list[SearchFacetEnum] | None, strawberry.argument(description="Facets to count over all results.")
        ] = None,
        page: Annotated[int, strawberry.argument(description="Page number, from 1.")] = 1,
        per_page: Annotated[
            int, strawberry.argument(description=f"Page size, at most {MAX_PER_PAGE}.")
        ] = DEFAULT_PER_PAGE,
    ) -> SearchResultType:
        try:
            params = search_params(query, filter, near, sort, facets, page, per_page)
            return result_type(await resolve.search(info, params))
        except BadInputError as exc:
            raise BadInputError(exc.message, field=ARGUMENT_PATHS.get(exc.field or "", exc.field)) from exc
