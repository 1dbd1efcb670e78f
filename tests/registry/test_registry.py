"""One registry entry drives every channel: GraphQL field, directory filter, search filter and facet,
export column and completeness; confidential entries never reach a public channel.

The entry is ``ouverture_annuelle`` (TRE_R238), added to the registry with its nomenclature file
and a column, and nothing else by hand: every name used below is read from the entry itself.
Meilisearch is the real binary (``tests.search.conftest``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from meilisearch_python_sdk import AsyncClient
from starlette.datastructures import QueryParams

from ror_graph.models import Etablissement, Unite, registry
from ror_graph.models.registry import Attribute, Entity, Storage
from ror_graph.resolvers.context import make_context
from ror_graph.resolvers.search import close_clients
from ror_graph.schema.root import schema
from ror_graph.services.accounts.auth import ANONYMOUS, caller_for_profile
from ror_graph.services.suivi.completeness import completeness_unite
from search_index.export import to_csv
from search_index.indexer import reindex
from search_index.params import params_from_query
from search_index.query import SearchParams, export_offres
from search_index.reference import load_search_reference
from tests.search.conftest import make_state

ENTRY = next(a for a in registry.ATTRIBUTES if a.key == "ouverture_annuelle")
CODE, LABEL = "03", "Année complète (365 jours par an)"
FIELD = "ouvertureAnnuelle"  # GraphQL spelling of ENTRY.key
FACET_ENUM = "OUVERTURE_ANNUELLE"  # GraphQL enum spelling of ENTRY.facet
REGULATION = caller_for_profile("regulation")


@pytest.fixture
async def world(session, dataset, sessions, meili, index_uid, database_url, engine):
    """The search dataset, one open offer (``heb_cholet``) declared open all year, indexed for real."""
    unite = await session.get(Unite, dataset.unite_ids["heb_cholet"])
    setattr(unite, ENTRY.column, CODE)
    eg = await session.get(Etablissement, dataset.eg_ids["ehpad_angers"])
    eg.niveau_recours_orsan_code, eg.zone_poser = "1", True
    session.add_all([unite, eg])
    await session.commit()
    await reindex(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid)
    state = make_state(database_url, engine, meili, index_uid)
    yield state, dataset, unite.identifiant
    await close_clients(state)


async def _gql(state, query: str, variables: dict | None = None, caller=ANONYMOUS) -> dict:
    async with state.sessions() as session:
        result = await schema.execute(query, variable_values=variables,
                                      context_value=await make_context(state, session, caller))
    assert result.errors is None, result.errors
    return result.data


def test_the_entry_names_its_channels():
    # given the entry, then the names the test uses are the ones it declares
    assert (ENTRY.entity, ENTRY.storage, ENTRY.system) == (Entity.unite, Storage.column, "TRE_R238-OuvertureAnnuelle")
    assert (ENTRY.filter_param, ENTRY.facet, ENTRY.document, ENTRY.export) == (
        "ouverturesAnnuelles", "ouvertureAnnuelle", "ouvertureAnnuelle", "ouverture_annuelle")


async def test_graphql_field_and_directory_filter(world):
    state, _, identifiant = world
    # when the offer is read, then its field is a labelled concept of the entry's system
    data = await _gql(state, f'{{ unite(identifiant: "{identifiant}") {{ {FIELD} {{ code label system }} }} }}')
    assert data["unite"][FIELD] == {"code": CODE, "label": LABEL, "system": ENTRY.system}
    # when the directory lists offers with the entry's filter, then only that offer comes back
    query = f"{{ unites(first: 50, filter: {{ {ENTRY.filter_param}: [\"{CODE}\"] }}) {{ nodes {{ identifiant }} }} }}"
    assert [n["identifiant"] for n in (await _gql(state, query))["unites"]["nodes"]] == [identifiant]
    other = query.replace(f'"{CODE}"', '"01"')
    assert (await _gql(state, other))["unites"]["nodes"] == []


async def test_search_filter_and_facet(world):
    state, _, identifiant = world
    # when searching with the entry's filter and facet (GraphQL)
    query = f"""{{
      all: searchOffres(facets: [{FACET_ENUM}]) {{ total facets {{ facet values {{ code label count }} }} }}
      some: searchOffres(filter: {{ {ENTRY.filter_param}: ["{CODE}"] }}) {{
        total hits {{ identifiant {FIELD} {{ code label }} }} }}
    }}"""
    data = await _gql(state, query)
    # then the facet counts the one offer that has a value, with its label
    assert data["all"]["facets"] == [{"facet": FACET_ENUM, "values": [{"code": CODE, "label": LABEL, "count": 1}]}]
    assert data["all"]["total"] > 1
    # and the filter keeps exactly that offer, whose hit carries the labelled value
    assert data["some"]["total"] == 1
    assert data["some"]["hits"] == [{"identifiant": identifiant, FIELD: {"code": CODE, "label": LABEL}}]
    # and the HTTP API accepts the facet name and the GraphQL plural alike
    for name in (ENTRY.facet, ENTRY.filter_param):
        assert params_from_query(QueryParams(f"{name}={CODE}")).filters == {ENTRY.facet: [CODE]}


async def test_export_column(world):
    state, _, identifiant = world
    async with state.sessions() as session:
        ref = await load_search_reference(session)
    # when the search results are exported
    async with AsyncClient(state.meili_url, state.meili_key) as client:
        hits = [h async for h in export_offres(client, state.settings.meili_index, SearchParams(), ref=ref)]
    rows = list(csv.reader(io.StringIO(to_csv(hits).decode("utf-8-sig")), delimiter=";"))
    # then the entry's column holds the label for the offer that has a value, and is empty elsewhere
    column, key = rows[0].index(ENTRY.export), rows[0].index("identifiant")
    assert {row[key]: row[column] for row in rows[1:] if row[column]} == {identifiant: LABEL}


async def test_completeness_counts_the_entry_only_when_weighted(session, world):
    _, dataset, _ = world
    with_value = await session.get(Unite, dataset.unite_ids["heb_cholet"])
    without = await session.get(Unite, dataset.unite_ids["heb_angers"])
    # given the registry as shipped (no weight), then the entry is not a completeness item
    assert ENTRY.key not in (await completeness_unite(session, without)).missing
    # given the same registry where the entry weighs 1, then it is missing where unset, present where set
    weighted = [replace(a, completeness=1.0) if a is ENTRY else a for a in registry.ATTRIBUTES]
    assert ENTRY.key in (await completeness_unite(session, without, weighted)).missing
    assert ENTRY.key not in (await completeness_unite(session, with_value, weighted)).missing
    before = await completeness_unite(session, with_value)
    after = await completeness_unite(session, with_value, weighted)
    assert after.score > before.score or before.score == after.score == 1.0


async def test_regulation_only_attributes_stay_out_of_public_channels(world, meili):
    state, dataset, _ = world
    query = '{ etablissement(finess: "490535168") { niveauRecoursOrsan { code label } zonePoser } }'
    # when a public caller reads the EG, then the regulation-only values read null
    assert (await _gql(state, query))["etablissement"] == {"niveauRecoursOrsan": None, "zonePoser": None}
    # when the regulation profile reads it, then they are there, labelled
    assert (await _gql(state, query, caller=REGULATION))["etablissement"] == {
        "niveauRecoursOrsan": {"code": "1", "label": "Première ligne"}, "zonePoser": True}
    # and the EG's indexed offer documents carry neither
    async with AsyncClient(meili.url, meili.master_key) as client:
        doc = await client.index(state.settings.meili_index).get_document(dataset.unite_ids["heb_angers"])
    assert not {"niveauRecoursOrsan", "zonePoser"} & set(doc)
    assert not any("orsan" in str(value).lower() for value in doc.values())


def test_the_registry_refuses_a_confidential_attribute_in_a_public_channel():
    orsan = next(a for a in registry.ATTRIBUTES if a.key == "niveau_recours_orsan")
    leaking = replace(orsan, facet="niveauRecoursOrsan", filter_field="niveaux_recours_orsan",
                      document="niveauRecoursOrsan")
    with pytest.raises(ValueError, match="must not reach"):
        registry.check([leaking])


def test_a_throwaway_multi_valued_entry_reaches_every_derived_map():
    # given a new multi-valued coded attribute of the offer, declared once
    extra = Attribute(Entity.unite, "classes_age", "Classes d'âge", "HealthcareService.extension[classeAge]",
                      storage=Storage.unite_code, column="classe_age", system="TRE_R208-ClasseAge", multiple=True,
                      graphql=True, description="Classes d'âge (TRE_R208).", facet="classeAge",
                      filter_field="classes_age", document="classesAge", export="classes_age", completeness=1.0)
    attrs = registry.check([*registry.ATTRIBUTES, extra])
    # then every channel's view of the registry includes it
    assert registry.facets(attrs)["classeAge"] == [extra]
    assert registry.filters(attrs)["classes_age"] == [extra]
    assert registry.sql_filters(Entity.unite, attrs)["classes_age"] == [extra]
    assert registry.documents(attrs)["classesAge"] == [extra] and registry.exports(attrs)["classes_age"] == [extra]
    assert extra in registry.graphql_fields(Entity.unite, attrs)
    assert extra in registry.completeness_items(Entity.unite, attrs)
    assert registry.unite_code_systems(attrs)["classe_age"] == "TRE_R208-ClasseAge"
    write = {m.input_name: m for m in registry.unite_multi_coded(attrs)}
    assert (write["classes_age"].attribute, write["classes_age"].system) == ("classe_age", "TRE_R208-ClasseAge")


def test_the_entry_is_a_write_input_of_graphql_and_of_the_service():
    """Given the entry, when the write side is built, then GraphQL inputs and the service accept it."""
    from ror_graph.services.unite.attributes import CODE_COLUMNS
    from ror_graph.services.unite.inputs import UniteUpdate

    graphql_name = "".join(p if i == 0 else p.title() for i, p in enumerate(ENTRY.column.split("_")))
    for input_name in ("CreerUniteInput", "ModifierUniteInput"):
        field = schema._schema.type_map[input_name].fields[graphql_name]
        assert str(field.type) == "String"
    assert CODE_COLUMNS[ENTRY.column] == ENTRY.system
    assert UniteUpdate(**{ENTRY.column: CODE}).model_fields_set == {ENTRY.column}
