"""Who sees what, decided once: SQL clause builders for the readers, Python predicates for the rest.

Rules (README "Who sees what"; DESIGN §1-2):

* **Contacts and telecoms** carry a confidentiality level (TRE_R283: 1 public, 2 professionals,
  3 regulation). A caller of level L sees a contact of level N iff N ≤ L, and a telecom of level M
  of that contact iff M ≤ L *and* N ≤ L (the stricter of the two applies).
* **Sensitive units** (``unite_sensible``) and everything under them (coded attributes, contacts,
  horaires, zone d'intervention, audit entries, the lieux they use and the lieux' capacités,
  équipements, habitations) are visible to:
  - callers with ``sees_sensitive``: the regulation profile (API clients), support and admin;
  - référents and directeurs whose scopes cover the structure (EG FINESS in their EG scopes, or the
    FINESS of the EG's EJ in their EJ scopes): they see and edit their own sensitive units;
  - nobody else (anonymous, public and professional clients, référents of other structures).
* **A lieu** is visible iff at least one unit visible to the caller uses it, or no unit uses it at
  all (a place of the EG described on its own). A lieu serving only hidden units is as hidden as they.
* **No existence oracle**: a hidden unit answers exactly like a unit that does not exist (``None``
  from lookups, the same ``NOT_FOUND`` code and message from history and writes).
* The **public profile** (``PUBLIC``: level 1, no sensitive unit) is what the search index,
  ``/api/search`` and the CSV/XLSX exports hold, whoever asks.

Keeping the rules here, and not in each reader, is what makes a new channel safe by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel import select as select_model

from ror_graph.models import Contact, EntiteJuridique, Etablissement, Telecom, Unite, UniteLieu
from ror_graph.services.accounts.auth import ANONYMOUS, Caller
from ror_graph.services.accounts.principal import SCOPED_ROLES
from ror_graph.services.core.errors import NotFoundError

PUBLIC: Caller = ANONYMOUS


# --- who the caller is -------------------------------------------------------------------------------


def sees_all_sensitive(caller: Any) -> bool:
    """Regulation profile, support and admin: every sensitive unit."""
    return bool(getattr(caller, "sees_sensitive", False))


def sensitive_scopes(caller: Any) -> tuple[frozenset[str], frozenset[str]]:
    """(EG FINESS, EJ FINESS) whose sensitive units a scoped référent/directeur sees; empty for others."""
    if getattr(caller, "account_id", None) is None or getattr(caller, "role", None) not in SCOPED_ROLES:
        return frozenset(), frozenset()
    return frozenset(caller.scopes_eg), frozenset(caller.scopes_ej)


def level_of(caller: Any) -> int:
    """Highest confidentiality level the caller reads (1 when unknown)."""
    return int(getattr(caller, "level", 1) or 1)


# --- Python predicates ------------------------------------------------------------------------------


def level_visible(caller: Any, *levels: int | None) -> bool:
    """True when every given level (contact, then telecom) is within the caller's level."""
    top = level_of(caller)
    return all(level is not None and int(level) <= top for level in levels)


def unite_visible_to(caller: Any, *, sensible: bool, eg_finess: str | None, ej_finess: str | None) -> bool:
    """The offer (sensitive or not, of EG ``eg_finess`` in EJ ``ej_finess``) is visible to ``caller``."""
    if not sensible or sees_all_sensitive(caller):
        return True
    eg_scopes, ej_scopes = sensitive_scopes(caller)
    return (eg_finess is not None and eg_finess in eg_scopes) or (ej_finess is not None and ej_finess in ej_scopes)


def lieu_visible_to(caller: Any, users: Iterable[tuple[bool, str | None, str | None]]) -> bool:
    """A lieu used by the offers ``users`` ((sensible, EG FINESS, EJ FINESS) each) is visible."""
    users = list(users)
    return not users or any(unite_visible_to(caller, sensible=s, eg_finess=g, ej_finess=j) for s, g, j in users)


def hidden_unite_error(identifiant: str) -> NotFoundError:
    """What a hidden offer answers: exactly what ``load_unite`` says of an offer that does not exist."""
    return NotFoundError(f"No offer with identifier {identifiant!r}.", field="identifiant")


def ensure_unite_visible(unite: Any, eg: Any, ej: Any, who: Any) -> None:
    """Raise "not found" when ``who`` (a ``Caller`` or a write ``Principal``) may not see this offer.

    A ``Principal`` sees a sensitive offer iff it covers its EG (support/admin cover everything), which
    is the read rule above applied to the writer's scopes. The offer is loaded by its own domain
    (``services.unite.write.load_visible_unite``), so the policy stays below every domain.
    """
    if unite.unite_sensible:
        covers = getattr(who, "covers", None)
        visible = covers(eg.finess, ej.finess) if covers else unite_visible_to(
            who, sensible=True, eg_finess=eg.finess, ej_finess=ej.finess)
        if not visible:
            raise hidden_unite_error(unite.identifiant)


# --- SQL clause builders ----------------------------------------------------------------------------


def level_clause(caller: Any, *columns: Any) -> ColumnElement[bool]:
    """SQL: every confidentiality column given (contact's, telecom's) is within the caller's level."""
    top = level_of(caller)
    return and_(true(), *(col(c) <= top for c in columns)) if columns else true()


# Aliases built once: ``aliased()`` inspects the mapper on every call (about 1.5 ms a request on the
# nested page); each clause builder owns its aliases, so two clauses in one statement never share one.
_SCOPE_EG, _SCOPE_EJ = aliased(Etablissement, name="scope_eg"), aliased(EntiteJuridique, name="scope_ej")
_UNDER_UNITE = aliased(Unite, name="visible_unite")
_LIEU_ANY_LINK, _LIEU_VISIBLE_LINK = aliased(UniteLieu, name="lieu_any_link"), aliased(UniteLieu, name="lieu_link")
_LIEU_UNITE = aliased(Unite, name="lieu_unite")


def _scoped_etablissement_ids(eg_scopes: frozenset[str], ej_scopes: frozenset[str]):
    """Ids of the EGs in the scopes, by EG FINESS or by EJ FINESS (each through its own index)."""
    eg, ej = _SCOPE_EG, _SCOPE_EJ
    parts = []
    if eg_scopes:
        parts.append(col(eg.finess).in_(sorted(eg_scopes)))
    if ej_scopes:
        parts.append(col(eg.entite_juridique_id).in_(select(col(ej.id)).where(col(ej.finess).in_(sorted(ej_scopes)))))
    return select(col(eg.id)).where(or_(*parts)).correlate(None)


def unite_visible(caller: Any, unite: Any = Unite) -> ColumnElement[bool]:
    """SQL condition on ``unite`` (or an alias of it): the offer is visible to ``caller``."""
    if sees_all_sensitive(caller):
        return true()
    # ``IS NOT TRUE`` rather than ``= false``: SQLite would otherwise pick the (unselective) index on
    # ``unite_sensible`` over the one on ``etablissement_id`` when the database has no statistics.
    public = col(unite.unite_sensible).is_not(True)
    eg_scopes, ej_scopes = sensitive_scopes(caller)
    if not eg_scopes and not ej_scopes:
        return public
    return or_(public, col(unite.etablissement_id).in_(_scoped_etablissement_ids(eg_scopes, ej_scopes)))


def under_visible_unite(caller: Any, unite_id: Any) -> ColumnElement[bool]:
    """SQL condition on a row under an offer (contact, horaire, zone, code): its offer is visible."""
    if sees_all_sensitive(caller):
        return true()
    unite = _UNDER_UNITE
    return exists().where(col(unite.id) == unite_id, unite_visible(caller, unite))


def lieu_visible(caller: Any, lieu_id: Any) -> ColumnElement[bool]:
    """SQL condition on a lieu, or a row under one, by its lieu id column: the lieu is visible."""
    if sees_all_sensitive(caller):
        return true()
    link, unite, link2 = _LIEU_ANY_LINK, _LIEU_UNITE, _LIEU_VISIBLE_LINK
    unused = not_(exists().where(col(link.lieu_id) == lieu_id))
    used_by_visible = exists().where(col(link2.lieu_id) == lieu_id, col(unite.id) == col(link2.unite_id),
                                     unite_visible(caller, unite))
    return or_(unused, used_by_visible)


def visible_telecoms(caller: Caller, contact_ids: Iterable[int], what: Any = Telecom) -> Any:
    """The telecoms of ``contact_ids`` the caller may see, by contact then id: the stricter of the contact's
    and the telecom's levels applies, and a contact under a hidden unit hides its telecoms.

    ``what`` is ``Telecom`` (ORM rows) or ``Telecom.__table__`` (plain rows, for the bulk readers).
    """
    return (select_model(what).join(Contact, col(Contact.id) == Telecom.contact_id)
            .where(col(Telecom.contact_id).in_(list(dict.fromkeys(contact_ids))),
                   level_clause(caller, Contact.confidentialite, Telecom.confidentialite),
                   col(Contact.unite_id).is_(None) | under_visible_unite(caller, Contact.unite_id))
            .order_by(col(Telecom.contact_id), col(Telecom.id)))
