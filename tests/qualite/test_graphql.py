"""GraphQL quality queue: who reads which anomalies, public reports join the queue, support closes."""

from __future__ import annotations

from sqlmodel import func, select

from ror_graph.models import Anomalie, Signalement
from ror_graph.services.qualite import moteur
from ror_graph.services.signalement.queue import SIGNALEMENT_LIMIT
from tests.write.conftest import EG_A, EG_B

LIST = "query($f: String) { anomalies(finess: $f) { total items { id regle libelle finess statut message } } }"


async def test_queue_reads_reports_and_closure(session, world, gql):
    # given the nightly pass found what EG A and EG B lack (no public phone, no installed hébergement)
    await moteur.evaluer(session, None)
    await session.commit()
    # then support reads them all, a référent only those of his structure, anonymous nothing
    everything = (await gql(LIST, caller="support")).data["anomalies"]
    assert {i["finess"] for i in everything["items"]} == {EG_A, EG_B} and everything["total"] == 4
    own = (await gql(LIST, caller="referent_a")).data["anomalies"]
    assert {i["finess"] for i in own["items"]} == {EG_A} and own["total"] == 2
    refused = await gql(LIST)
    assert refused.errors[0].extensions["code"] == "UNAUTHENTICATED"
    # when someone from the public reports an error on EG A, it joins the queue
    report = await gql(f'mutation {{ signalerErreur(finess: "{EG_A}", message: "Le numéro de téléphone est faux") '
                       "{ id regle statut } }")
    assert report.errors is None and report.data["signalerErreur"]["regle"] == "signalement"
    too_short = await gql(f'mutation {{ signalerErreur(finess: "{EG_A}", message: "faux") {{ id }} }}')
    assert too_short.errors[0].extensions["code"] == "BAD_INPUT"
    own = (await gql(LIST, {"f": EG_A}, caller="referent_a")).data["anomalies"]
    assert own["total"] == 3 and "Erreur signalée par un usager" in {i["libelle"] for i in own["items"]}
    # the référent may not close it; support closes it with a comment
    close = ('mutation($id: ID!) { fermerAnomalie(id: $id, commentaire: "Corrigé par téléphone") '
             "{ statut commentaire } }")
    report_id = report.data["signalerErreur"]["id"]
    denied = await gql(close, {"id": report_id}, caller="referent_a")
    assert denied.errors[0].extensions["code"] == "FORBIDDEN"
    done = await gql(close, {"id": report_id}, caller="support")
    assert done.errors is None and done.data["fermerAnomalie"] == {"statut": "fermee",
                                                                    "commentaire": "Corrigé par téléphone"}


async def test_api_reports_share_the_public_forms_intake_and_throttle(session, world, gql):
    # given an address that already sent the most reports the window allows (any channel counts)
    ok = f'mutation {{ signalerErreur(finess: "{EG_A}", message: "Adresse postale erronée", contact: "a@b.fr") ' \
         "{ regle message } }"
    for _ in range(SIGNALEMENT_LIMIT):
        sent = await gql(ok)
        assert sent.errors is None
    assert sent.data["signalerErreur"] == {"regle": "signalement",
                                           "message": "Adresse postale erronée (contact : a@b.fr)"}
    # when it sends one more, it is refused with a code and nothing more is recorded
    refused = await gql(ok)
    assert refused.errors[0].extensions["code"] == "TOO_MANY_REQUESTS"
    assert (await session.exec(select(func.count()).select_from(Signalement))).one() == SIGNALEMENT_LIMIT
    assert (await session.exec(select(func.count()).select_from(Anomalie))).one() == SIGNALEMENT_LIMIT
    # and a contact that is not an e-mail is bad input, as on the public form
    bad = await gql(f'mutation {{ signalerErreur(finess: "{EG_A}", message: "Adresse fausse", contact: "06") '
                    "{ id } }")
    assert bad.errors[0].extensions["code"] == "BAD_INPUT"
