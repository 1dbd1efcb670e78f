"""The world of the visibility matrix: one EG with a public and a sensitive offer, markers everywhere.

Every confidential item carries a unique marker string, so a channel's output (JSON, CSV, XLSX text)
shows an item iff the marker appears in it:

* the public offer ``OFFRE-PUBLIQUE`` (the control: visible wherever the channel answers at all) with
  a level-1 contact ``CONTACT-N1`` holding telecoms of level 1, 2 (``0622222222``) and 3
  (``0633333333``), a level-2 contact ``CONTACT-N2`` and a level-3 contact ``CONTACT-N3``;
* the sensitive offer ``OFFRE-SECRETE`` and its own lieu ``LIEU-SECRET`` (used by no other offer);
* audit rows as the write services store them: the public offer's whole contact list as JSON, and
  the sensitive offer's creation, lieu and comment (``AUDIT-SECRET``).

Callers are obtained from real bearer tokens (API clients and login sessions) through
``resolve_bearer``, as the HTTP API does.
"""

from __future__ import annotations

from datetime import timedelta

from ror_graph.models import (
    Account,
    AccountScope,
    AuditLog,
    Contact,
    EntiteJuridique,
    Etablissement,
    Lieu,
    SessionToken,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    utcnow,
)
from ror_graph.models.coded import ACTIVITE, PUBLIC
from ror_graph.services.accounts.auth import Caller, create_api_client, hash_token, new_token, resolve_bearer
from ror_graph.services.core.write_common import snapshot

EJ_X, EG_X, EJ_Y, EG_Y = "440000016", "440000024", "490000013", "490000031"
PUBLIC_UNIT, SENSITIVE_UNIT = "52/1", "52/2"

CONTACTS = [
    {"nom": "CONTACT-N1", "confidentialite": 1,
     "telecoms": [("0611111111", 1), ("0622222222", 2), ("0633333333", 3)]},
    {"nom": "CONTACT-N2", "confidentialite": 2, "telecoms": [("0611112222", 1)]},
    {"nom": "CONTACT-N3", "confidentialite": 3, "telecoms": [("0611113333", 1)]},
]


async def insert_world(session) -> None:
    ej_x = EntiteJuridique(finess=EJ_X, raison_sociale="EJ X", commune_code="44109")
    ej_y = EntiteJuridique(finess=EJ_Y, raison_sociale="EJ Y", commune_code="49007")
    session.add_all([ej_x, ej_y])
    await session.flush()
    eg_x = Etablissement(finess=EG_X, entite_juridique_id=ej_x.id, raison_sociale="EHPAD X", categorie_code="500",
                         commune_code="44109", departement_code="44", region_code="52", latitude=47.2, longitude=-1.5)
    eg_y = Etablissement(finess=EG_Y, entite_juridique_id=ej_y.id, raison_sociale="EHPAD Y", categorie_code="500",
                         commune_code="49007", departement_code="49", region_code="52")
    session.add_all([eg_x, eg_y])
    await session.flush()
    common = {"etablissement_id": eg_x.id, "champ_activite_code": "04", "mode_prise_en_charge_code": "09",
              "age_min": 60, "age_max": 120}
    public = Unite(identifiant=PUBLIC_UNIT, nom="OFFRE-PUBLIQUE", **common)
    secret = Unite(identifiant=SENSITIVE_UNIT, nom="OFFRE-SECRETE", unite_sensible=True, **common)
    session.add_all([public, secret])
    await session.flush()
    lieu_public = Lieu(etablissement_id=eg_x.id, nom="LIEU-PUBLIC", commune_code="44109")
    lieu_secret = Lieu(etablissement_id=eg_x.id, nom="LIEU-SECRET", commune_code="44109", latitude=47.3, longitude=-1.6)
    session.add_all([lieu_public, lieu_secret])
    await session.flush()
    session.add_all([
        UniteLieu(unite_id=public.id, lieu_id=lieu_public.id), UniteLieu(unite_id=secret.id, lieu_id=lieu_secret.id),
        *(UniteCode(unite_id=u.id, attribute="activite", system=ACTIVITE, code="003") for u in (public, secret)),
        *(UniteCode(unite_id=u.id, attribute="public", system=PUBLIC, code="01") for u in (public, secret)),
    ])
    for item in CONTACTS:
        contact = Contact(etablissement_id=eg_x.id, unite_id=public.id, nom=item["nom"], nature_code="06",
                          confidentialite=item["confidentialite"])
        session.add(contact)
        await session.flush()
        session.add_all(Telecom(contact_id=contact.id, canal_code="2", valeur=v, confidentialite=level)
                        for v, level in item["telecoms"])
    session.add_all(_audit_rows())
    await session.commit()


def _audit_rows() -> list[AuditLog]:
    stored = [{"nom": c["nom"], "fonction": None, "nature": "06", "description": None,
               "confidentialite": c["confidentialite"],
               "telecoms": [{"canal": "2", "valeur": v, "confidentialite": level, "utilisation": None}
                            for v, level in c["telecoms"]]} for c in CONTACTS]
    rows = [("unite", PUBLIC_UNIT, "nom", "OFFRE-PUBLIQUE"), ("unite", PUBLIC_UNIT, "contacts", snapshot(stored)),
            ("unite", SENSITIVE_UNIT, "created", "OFFRE-SECRETE"),
            ("unite", SENSITIVE_UNIT, "lieux", snapshot([{"nom": "LIEU-SECRET", "commune_code": "44109"}])),
            ("unite", SENSITIVE_UNIT, "commentaire", "AUDIT-SECRET"),
            ("etablissement", EG_X, "nom_operationnel", "EHPAD X")]
    return [AuditLog(entity=e, entity_id=k, field=f, new_value=v, actor="support@example.fr", role="support",
                     source="api", change_id=f"c{n}") for n, (e, k, f, v) in enumerate(rows)]


async def _session_caller(session, email: str, role: str, scopes: list[tuple[str, str]]) -> Caller:
    account = Account(email=email, role=role, password_hash="not-used-by-these-tests")
    session.add(account)
    await session.flush()
    session.add_all(AccountScope(account_id=account.id, kind=k, finess=f) for k, f in scopes)
    token = new_token()
    session.add(SessionToken(account_id=account.id, token_hash=hash_token(token),
                             expires_at=utcnow() + timedelta(hours=1)))
    await session.commit()
    return await resolve_bearer(session, token)


async def make_callers(session) -> dict[str, Caller]:
    """The seven callers of the matrix, each resolved from a real bearer token (or none)."""
    callers = {"anonymous": await resolve_bearer(session, None)}
    for name, profile in (("public_token", "public"), ("professional_token", "professional"),
                          ("regulation_token", "regulation")):
        _, token = await create_api_client(session, name=name, profile=profile)
        callers[name] = await resolve_bearer(session, token)
    callers["referent_in_scope"] = await _session_caller(session, "in@example.fr", "referent", [("eg", EG_X)])
    callers["referent_out_of_scope"] = await _session_caller(session, "out@example.fr", "referent", [("eg", EG_Y)])
    callers["support"] = await _session_caller(session, "support@example.fr", "support", [])
    return callers
