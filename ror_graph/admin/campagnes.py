"""Campaigns in the back office (support): create and change them, follow their dashboard, export it;
the e-mails sent (failures and bounces visible) and the scheduler's jobs.

Writes go through ``services.campagne.gestion`` (checked values, audit rows, one transaction).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqladmin import action, expose
from sqlalchemy import Select
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import Response
from wtforms import BooleanField, DateField, Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import RorModelView
from ror_graph.admin.errors import FormError
from ror_graph.admin.listing import ChoiceFilter
from ror_graph.admin.selection import SelectionForm
from ror_graph.models import AdresseEchec, Campagne, MailEnvoi, ScheduledJob
from ror_graph.services.core.errors import DomainError

CAMPAGNE_LABELS = {"id": "N°", "nom": "Nom", "region_code": "Région", "departements": "Départements",
                   "categories": "Catégories FINESS", "ouverture": "Ouverture", "echeance": "Échéance",
                   "active": "Active (relances)", "created_at": "Créée le", "tableau": "Tableau de bord"}
MAIL_LABELS = {"id": "N°", "kind": "Type", "etape": "Étape", "destinataire": "Destinataire", "sujet": "Sujet",
               "statut": "Statut", "tentatives": "Tentatives", "erreur": "Erreur", "created_at": "Créé le",
               "sent_at": "Envoyé le", "campagne_id": "Campagne", "etablissement_id": "Établissement (id)",
               "cle": "Clé d'unicité", "rebond_code": "Rebond (statut)", "rebond_diagnostic": "Rebond (diagnostic)",
               "rebond_at": "Rebond reçu le"}
ECHEC_LABELS = {"email": "Adresse", "definitif": "Échec définitif (5.x.x)", "code": "Dernier statut",
                "diagnostic": "Diagnostic du serveur destinataire", "rebonds": "Avis reçus",
                "dernier_mail_envoi_id": "Dernier courriel (n°)", "premier_at": "Premier avis",
                "dernier_at": "Dernier avis"}
RESTORE_INTRO = ("Les relances de campagne ne sont plus envoyées à une adresse refusée définitivement par son "
                 "serveur. Remettez-la en service une fois la boîte corrigée (vérifiez auprès de la personne) : "
                 "elle recevra de nouveau les relances.")
JOB_LABELS = {"name": "Tâche", "next_run_at": "Prochaine exécution", "last_run_at": "Dernière exécution",
              "lease_owner": "Exécutée par", "lease_expires_at": "Verrou jusqu'au", "runs": "Exécutions",
              "last_error": "Dernière erreur", "last_result": "Dernier résultat"}


class CampagneForm(Form):
    nom = StringField("Nom", validators=[DataRequired()], description="Ex. « Campagne 2026 Pays de la Loire ».")
    region_code = StringField("Région (code INSEE)", validators=[Optional()], description="Ex. 52. Vide : "
                              "seulement les départements indiqués.")
    departements = StringField("Départements (codes INSEE)", validators=[Optional()],
                               description="Séparés par des espaces ou des virgules. Vide : toute la région.")
    categories = TextAreaField("Catégories FINESS", validators=[Optional()],
                               description="Ex. 500 (EHPAD), 354 (SSIAD). Vide : toutes.")
    ouverture = DateField("Ouverture", validators=[DataRequired()])
    echeance = DateField("Échéance", validators=[DataRequired()])
    active = BooleanField("Active (les relances partent)", default=True)


def _dashboard_link(model: Any, attribute: str, request: Request | None = None) -> Markup:
    return Markup('<a class="tableau-link" href="/admin/campagne/tableau?id={}">Ouvrir</a>').format(model.id)


class CampagneAdmin(RorModelView, model=Campagne):
    """Annual update campaigns: territory, categories, opening and deadline (support)."""

    name = "Campagne"
    name_plural = "Campagnes"
    icon = "fa-solid fa-bullhorn"
    category = "Campagnes"
    column_labels = dict(CAMPAGNE_LABELS.items())
    column_list = ["id", "nom", "region_code", "departements", "categories", "ouverture", "echeance", "active",
                   "tableau"]
    column_details_list = ["id", "nom", "region_code", "departements", "categories", "ouverture", "echeance",
                           "active", "created_at", "tableau"]
    column_formatters = {"tableau": _dashboard_link}
    column_formatters_detail = {"tableau": _dashboard_link}
    column_sortable_list = ["ouverture", "echeance", "nom"]
    column_default_sort = [("ouverture", True)]
    can_create = True
    can_edit = True
    form = CampagneForm

    async def _save(self, request: Request, data: dict, pk: int | None) -> Any:
        from ror_graph.services.campagne.gestion import CampagneInput, enregistrer_campagne, split_codes

        user = require_user(request)
        values = CampagneInput(nom=data.get("nom") or "", region_code=data.get("region_code") or None,
                               departements=split_codes(_text(data.get("departements"))),
                               categories=split_codes(_text(data.get("categories"))),
                               ouverture=data["ouverture"], echeance=data["echeance"],
                               active=bool(data.get("active")))
        try:
            async with self.ror_state.sessions() as session:
                return await enregistrer_campagne(session, values, actor=user.email, role=user.role, campagne_id=pk)
        except DomainError as exc:
            raise FormError(exc, CAMPAGNE_LABELS) from None

    async def insert_model(self, request: Request, data: dict) -> Any:
        return await self._save(request, data, None)

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        return await self._save(request, data, int(pk))

    @expose("/tableau", methods=["GET"])
    async def dashboard(self, request: Request) -> Response:
        from ror_graph.admin.campagne_tableau import render_dashboard

        return await render_dashboard(self, request)

    @expose("/tableau.xlsx", methods=["GET"])
    async def dashboard_xlsx(self, request: Request) -> Response:
        from ror_graph.admin.campagne_tableau import export_dashboard

        return await export_dashboard(self, request)


def _text(value: Any) -> str:
    """The form gives lists back as lists on edit (the column is JSON), as text on create."""
    return " ".join(value) if isinstance(value, list) else str(value or "")


class MailEnvoiAdmin(RorModelView, model=MailEnvoi):
    """E-mails sent by the application (reminders, reset links): failures and bounces stay visible."""

    name = "Courriel"
    name_plural = "Courriels envoyés"
    icon = "fa-solid fa-envelope"
    category = "Campagnes"
    column_labels = dict(MAIL_LABELS.items())
    column_list = ["id", "created_at", "kind", "etape", "destinataire", "sujet", "statut", "tentatives", "erreur",
                   "sent_at", "rebond_code", "rebond_diagnostic"]
    column_details_list = ["id", "cle", "kind", "campagne_id", "etablissement_id", "etape", "destinataire", "sujet",
                           "statut", "tentatives", "erreur", "created_at", "sent_at", "rebond_at", "rebond_code",
                           "rebond_diagnostic"]
    column_searchable_list = ["destinataire"]
    column_sortable_list = ["created_at", "destinataire", "statut"]
    column_default_sort = [("created_at", True), ("id", True)]
    column_filters = [ChoiceFilter("statut", "Statut", {
        "echec": ("En échec", lambda: col(MailEnvoi.statut) == "echec"),
        "envoye": ("Envoyé", lambda: col(MailEnvoi.statut) == "envoye"),
        "a_envoyer": ("À envoyer", lambda: col(MailEnvoi.statut) == "a_envoyer"),
        "rebond": ("Rejeté par le serveur destinataire", lambda: col(MailEnvoi.statut) == "rebond"),
    })]

    def list_query(self, request: Request) -> Select:
        """``?campagne=<id>``: the e-mails of one campaign (links of its dashboard)."""
        stmt = super().list_query(request)
        raw = request.query_params.get("campagne") or ""
        return stmt.where(col(MailEnvoi.campagne_id) == int(raw)) if raw.isdigit() else stmt


class AdresseEchecAdmin(SelectionForm, RorModelView, model=AdresseEchec):
    """« Adresses en échec »: addresses receiving servers refused (bounces), for support to get them fixed;
    « Remettre en service » lifts the suspension of the reminders (``services.mail.suspension``)."""

    name = "Adresse en échec"
    name_plural = "Adresses en échec"
    icon = "fa-solid fa-triangle-exclamation"
    category = "Campagnes"
    column_labels = dict(ECHEC_LABELS.items())
    column_list = ["email", "definitif", "code", "diagnostic", "rebonds", "dernier_at"]
    column_details_list = list(ECHEC_LABELS)
    column_searchable_list = ["email"]
    column_sortable_list = ["email", "dernier_at", "rebonds"]
    column_default_sort = [("dernier_at", True)]
    column_filters = [ChoiceFilter("definitif", "Échec", {
        "definitif": ("Définitif (5.x.x)", lambda: col(AdresseEchec.definitif).is_(True)),
        "temporaire": ("Temporaire (4.x.x)", lambda: col(AdresseEchec.definitif).is_(False)),
    })]

    @action("retablir", label="Remettre en service", add_in_list=True, add_in_detail=True)
    async def restore_action(self, request: Request) -> Response:
        return self._to_form(request, "restore_form")

    @expose("/retablir", methods=["GET", "POST"])
    async def restore_form(self, request: Request) -> Response:
        from ror_graph.services.mail.suspension import retablir_adresse

        async def apply(session: Any, *, actor: Any, row_id: int, motif: str | None) -> None:
            await retablir_adresse(session, actor=actor, adresse_id=row_id, motif=motif)

        return await self._selection_form(
            request, endpoint="restore_form", heading="Remettre des adresses en service", intro=RESTORE_INTRO,
            submit="Remettre en service", done="{n} adresse(s) remise(s) en service.",
            describe=lambda a: f"{a.email} ({a.code})", apply=apply, motif_required=True)


class ScheduledJobAdmin(RorModelView, model=ScheduledJob):
    """Jobs of ``ror-graph worker``: next run, who runs it now, last result or error."""

    name = "Tâche planifiée"
    name_plural = "Tâches planifiées"
    icon = "fa-solid fa-clock"
    category = "Suivi"
    column_labels = dict(JOB_LABELS.items())
    column_list = ["name", "next_run_at", "last_run_at", "runs", "lease_owner", "last_result", "last_error"]
    column_details_list = ["name", "next_run_at", "last_run_at", "runs", "lease_owner", "lease_expires_at",
                           "last_result", "last_error"]
    column_sortable_list = ["name", "next_run_at"]
