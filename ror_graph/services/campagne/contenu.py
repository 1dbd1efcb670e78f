"""The French text of a campaign reminder: the structure, its link, what is missing, the deadline."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Campagne, Etablissement, Unite, registry
from ror_graph.services.campagne.statuts import LIBELLES, statut_of
from ror_graph.services.suivi.completeness import completeness_etablissement
from ror_graph.services.suivi.reads import completeness_unites

ITEM_LABELS = {
    "nom": "nom", "telephone_standard": "téléphone du standard", "telephone_direction": "téléphone de la direction",
    "email_direction": "courriel de la direction", "alerte": "moyen de contact d'alerte",
    "tranche_age": "tranche d'âge", "contact": "contact joignable", "horaires": "horaires",
    "capacite_installee": "capacité installée",
}
SUJETS = {
    "ouverture": "Ouverture de la campagne « {nom} » : mettez à jour {structure}",
    "j-30": "Campagne « {nom} » : plus que 30 jours pour valider {structure}",
    "j-7": "Campagne « {nom} » : plus que 7 jours pour valider {structure}",
    "retard": "Campagne « {nom} » : la description de {structure} est en retard",
}


def _label(item: str) -> str:
    attribute = next((a for a in registry.ATTRIBUTES if a.key == item), None)
    return ITEM_LABELS.get(item) or (attribute.label if attribute is not None else item)


async def manquants(session: AsyncSession, eg: Etablissement) -> list[str]:
    """Lines "what is missing": the EG's own mandatory items, then each open offer's."""
    lines: list[str] = []
    own = await completeness_etablissement(session, eg)
    if own.missing:
        lines.append("Établissement : " + ", ".join(_label(i) for i in own.missing))
    unites = list((await session.exec(select(Unite).where(Unite.etablissement_id == eg.id, col(Unite.ferme).is_(False))
                                      .order_by(col(Unite.id)))).all())
    for unite, result in zip(unites, await completeness_unites(session, unites), strict=True):
        if result.missing:
            lines.append(f"Offre « {unite.nom} » : " + ", ".join(_label(i) for i in result.missing))
    return lines


def lien(public_url: str, eg: Etablissement) -> str:
    """The structure's page in the back office, where référents and directeurs update and validate it."""
    return f"{public_url.rstrip('/')}/admin/etablissement/details/{eg.id}"


async def message_relance(session: AsyncSession, campagne: Campagne, eg: Etablissement, etape: str, *,
                          nom: str | None, public_url: str, now: datetime) -> tuple[str, str]:
    """(subject, body) of the reminder ``etape`` of ``campagne`` for ``eg``."""
    structure = f"{eg.nom_operationnel or eg.raison_sociale} (FINESS {eg.finess})"
    subject = SUJETS["retard" if etape.startswith("retard") else etape].format(nom=campagne.nom, structure=structure)
    echeance = f"{campagne.echeance:%d/%m/%Y}"
    gaps = await manquants(session, eg)
    body = [
        f"Bonjour{' ' + nom if nom else ''},",
        "",
        f"Dans le cadre de la campagne « {campagne.nom} », la description de {structure} dans le Répertoire "
        "de l'Offre et des Ressources (ROR) doit être vérifiée, mise à jour si besoin, puis validée par le "
        f"directeur avant le {echeance} (décret n° 2023-1057).",
        "",
        f"Échéance : {echeance}",
        f"Statut actuel : {LIBELLES[statut_of(campagne, eg, now)]}",
    ]
    if etape.startswith("retard"):
        body += ["", "L'échéance est dépassée : merci de mettre à jour et de valider la description au plus vite."]
    body += ["", "Éléments obligatoires manquants :"]
    body += [f"  - {line}" for line in gaps] if gaps else ["  aucun : il reste à vérifier et à valider."]
    body += ["", f"Accéder à la description : {lien(public_url, eg)}", "",
             "Ce message est envoyé automatiquement ; vous le recevez en tant que référent ou directeur de la "
             "structure. Il ne sera plus envoyé une fois la description validée.", "", "L'équipe ROR"]
    return subject, "\n".join(body)
