"""The nested EJ → EG → offer → activité graph, lookups and reference data, read through the schema."""

from __future__ import annotations

QUERY_EJ = """
query($finess: String!) {
  entiteJuridique(finess: $finess) {
    finess raisonSociale champsFiness
    etablissements {
      finess raisonSociale ferme
      categorie { code label system }
      adresse { communeCode codePostal commune { nom departementCode regionCode codesPostaux } }
      aidesFinancieres { code label }
      tarifs { type { code label } montant unitePrix }
      unites {
        identifiant nom ageMin ageMax version
        champActivite { code label system }
        modePriseEnCharge { code }
        activites { code label system }
        publics { code label }
        horaires { jour heureDebut heureFin }
        zonesIntervention { type { label } code commune { nom } }
        lieux {
          nom fonction { label }
          capacites { nature { label } statut { label } nombre }
          equipements { type { code label } nombreEnService limites { caracteristiqueCode valeur unite } }
          habitations { type { label } nombre }
        }
        etablissement { finess entiteJuridique { finess } }
      }
    }
  }
}
"""

QUERY_UNITE = """
query($id: String!) { unite(identifiant: $id) { nom etablissement { finess } } }
"""


def by(items: list[dict], key: str) -> dict:
    return {item[key]: item for item in items}


async def test_entite_juridique_graph_down_to_activites(directory, data):
    # given the fixture directory
    # when an EJ is read with its whole graph
    ej = (await data(QUERY_EJ, {"finess": "440000016"}))["entiteJuridique"]

    # then every level is there, codes labelled from the nomenclatures
    assert ej["raisonSociale"] == "CHU Estuaire"
    assert "raisonSociale" in ej["champsFiness"] and "adresse.communeCode" in ej["champsFiness"]
    egs = by(ej["etablissements"], "finess")
    assert list(egs) == ["440000024", "490000031"]
    ehpad = egs["440000024"]
    assert ehpad["categorie"] == {
        "code": "500",
        "system": "JDV_J55-CategorieEG-ROR",
        "label": "Etablissement d'hébergement pour personnes âgées dépendantes",
    }
    assert ehpad["adresse"]["commune"] == {
        "nom": "Nantes",
        "departementCode": "44",
        "regionCode": "52",
        "codesPostaux": ["44000", "44100", "44200", "44300"],
    }
    assert ehpad["aidesFinancieres"] == [{"code": "02", "label": "Habilité Aide Sociale"}]
    assert ehpad["tarifs"] == [
        {"type": {"code": "02", "label": "Forfait socle hébergement"}, "montant": "72.50", "unitePrix": "J"}
    ]
    # the sensitive offer 52/2 is absent for an anonymous caller
    assert [u["identifiant"] for u in ehpad["unites"]] == ["52/1"]
    offre = ehpad["unites"][0]
    assert offre["champActivite"] == {"code": "04", "label": "Médico-social (MS)", "system": "TRE_R227-ChampActivite"}
    assert [(a["code"], a["label"]) for a in offre["activites"]] == [
        ("003", "Alcoologie"),
        ("004", "Algologie et Médecine de la douleur"),
    ]
    assert {a["system"] for a in offre["activites"]} == {"TRE_R211-ActiviteOperationnelle"}
    assert offre["publics"] == [{"code": "01", "label": "Personnes âgées en perte d'autonomie et aidants"}]
    assert (offre["ageMin"], offre["ageMax"], offre["version"]) == (60, 120, 1)
    assert offre["horaires"] == [{"jour": 1, "heureDebut": "08:00:00", "heureFin": "18:00:00"}]
    lieu = offre["lieux"][0]
    assert lieu["fonction"] == {"label": "Hébergement MS"}
    assert lieu["capacites"] == [{"nature": {"label": "Place"}, "statut": {"label": "Installé"}, "nombre": 40}]
    assert lieu["equipements"] == [
        {
            "type": {"code": "009", "label": "Chambre à pression négative"},
            "nombreEnService": 2,
            "limites": [{"caracteristiqueCode": "01", "valeur": 250.0, "unite": "kg"}],
        }
    ]
    assert lieu["habitations"] == [{"type": {"label": "Chambre simple"}, "nombre": 38}]
    assert offre["etablissement"] == {"finess": "440000024", "entiteJuridique": {"finess": "440000016"}}
    addicto = egs["490000031"]["unites"][0]
    assert addicto["zonesIntervention"] == [
        {"type": {"label": "Commune"}, "code": "49007", "commune": {"nom": "Angers"}}
    ]


async def test_lookups_that_find_nothing_return_null(directory, gql):
    # when unknown identifiers are looked up
    result = await gql("""{ entiteJuridique(finess: "999999999") { finess }
                            etablissement(finess: "999999999") { finess }
                            unite(identifiant: "52/999") { nom }
                            commune(code: "99999") { nom }
                            nomenclature(system: "TRE_R999-Inconnu") { code } }""")
    # then each field is null, without any error
    assert result.errors is None
    assert set(result.data.values()) == {None}


async def test_unite_lookup_by_identifiant(directory, data):
    # when an offer is read by its national identifier
    unite = (await data(QUERY_UNITE, {"id": "52/3"}))["unite"]
    # then it comes with its établissement
    assert unite == {"nom": "Addictologie", "etablissement": {"finess": "490000031"}}


async def test_nomenclature_and_commune(directory, data):
    # when reference data is read
    result = await data("""{ nomenclature(system: "TRE_R283-NiveauConfidentialite") { code label system }
                             commune(code: "75056") { nom departementCode population } }""")
    # then codes come in order with their labels, and the commune with its COG data
    assert [c["code"] for c in result["nomenclature"]] == ["1", "2", "3"]
    assert result["nomenclature"][1] == {
        "code": "2",
        "label": "Visible par les professionnels",
        "system": "TRE_R283-NiveauConfidentialite",
    }
    assert result["commune"] == {"nom": "Paris", "departementCode": "75", "population": 2103778}


async def test_unknown_code_keeps_its_code_with_a_null_label(directory, session, data):
    # given an EG whose catégorie is not in the nomenclature
    directory.centre.categorie_code = "ZZZ"
    session.add(directory.centre)
    await session.commit()
    # when it is read
    eg = (await data('{ etablissement(finess: "490000031") { categorie { code label } } }'))["etablissement"]
    # then the code is kept and the label is null
    assert eg["categorie"] == {"code": "ZZZ", "label": None}
