"""Service errors told in French to support staff: what was refused, on which field, and what to do.

The services speak English with a stable ``code``; the back office prefixes the message with a
French explanation chosen by that code and names the field with the view's French label. Every
refusal means nothing was written, and the messages say so where people might doubt it.
"""

from __future__ import annotations

from collections.abc import Mapping

from ror_graph.services.core.errors import ConflictError, DomainError

PREFIXES = {
    "INVALID_CODE": "Code refusé",
    "BAD_INPUT": "Saisie refusée",
    "FINESS_LOCKED": "Champ FINESS verrouillé : utilisez « Corriger un champ FINESS » avec un motif",
    "FORBIDDEN": "Action non autorisée",
    "UNAUTHENTICATED": "Session expirée : reconnectez-vous",
    "NOT_FOUND": "Introuvable",
}


def french_error(exc: DomainError, labels: Mapping[str, str] | None = None) -> str:
    """One line for the form's error banner."""
    if isinstance(exc, ConflictError):
        return ("Cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte "
                f"(version actuelle : {exc.current_version}). Rien n'a été enregistré : rechargez la page "
                "et refaites votre modification.")
    prefix = PREFIXES.get(exc.code, "Refusé")
    where = f" ({(labels or {}).get(exc.field, exc.field)})" if exc.field else ""
    return f"{prefix}{where} : {exc.message} Rien n'a été enregistré."


class FormError(ValueError):
    """Raised from ``update_model`` so SQLAdmin shows the French message above the edit form (400)."""

    def __init__(self, exc: DomainError, labels: Mapping[str, str] | None = None) -> None:
        super().__init__(french_error(exc, labels))
        self.code = exc.code
