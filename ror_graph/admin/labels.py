"""French column labels of the back-office views (the words support teams use)."""

from __future__ import annotations

from ror_graph.models import registry
from ror_graph.models.registry import Entity
from ror_graph.services.finess.batch_checks import ADDRESS_LABELS

STAMP_LABELS = {"version": "Version", "created_at": "Créé le", "updated_at": "Modifié le"}

# Column labels of EJ / EG / offers come from the attribute registry (one French label per attribute).
ENTITE_LABELS = {**ADDRESS_LABELS, **STAMP_LABELS, **registry.admin_labels(Entity.ej)}

ETABLISSEMENT_LABELS = {
    **ENTITE_LABELS,
    **registry.admin_labels(Entity.eg),
    "entite_juridique_id": "Entité juridique",
    "statut_description": "Statut de la description",
    "derniere_modification_at": "Dernière modification",
    "derniere_modification_par": "Modifié par",
    "derniere_validation_at": "Dernière validation",
    "derniere_validation_par": "Validé par",
}

UNITE_LABELS = {**STAMP_LABELS, **registry.admin_labels(Entity.unite)}

NOMENCLATURE_LABELS = {
    "system": "Nomenclature",
    "code": "Code",
    "label": "Libellé",
    "short_label": "Libellé court",
    "status": "Statut",
    "writable": "Accepté en saisie",
    "date_fin": "Date de fin",
    "extra": "Autres colonnes",
}

COMMUNE_LABELS = {
    "code": "Code COG",
    "nom": "Nom",
    "departement_code": "Département",
    "region_code": "Région",
    "codes_postaux": "Codes postaux",
    "population": "Population",
    "latitude": "Latitude",
    "longitude": "Longitude",
}

ACCOUNT_LABELS = {
    "email": "Adresse e-mail",
    "nom": "Nom",
    "role": "Rôle",
    "active": "Actif",
    "created_at": "Créé le",
    "password": "Mot de passe",
    "scopes": "Périmètre FINESS",
}

API_CLIENT_LABELS = {
    "name": "Nom",
    "profile": "Profil",
    "created_at": "Créé le",
    "expires_at": "Expire le",
    "revoked_at": "Révoqué le",
}

AUDIT_LABELS = {
    "at": "Date",
    "entity": "Entité",
    "entity_id": "Identifiant",
    "field": "Champ",
    "old_value": "Ancienne valeur",
    "new_value": "Nouvelle valeur",
    "actor": "Auteur",
    "role": "Rôle",
    "motif": "Motif",
    "source": "Origine",
    "change_id": "Modification",
}

EVENT_LABELS = {
    "seq": "N°",
    "at": "Date",
    "entity": "Entité",
    "entity_id": "Id",
    "entity_key": "FINESS / identifiant",
    "op": "Opération",
    "version": "Version",
    "fields": "Champs modifiés",
    "change_id": "Modification",
}

CONSUMER_LABELS = {
    "name": "Consommateur",
    "cursor": "Dernier événement traité",
    "lag": "Retard (événements)",
    "lease_owner": "Verrou détenu par",
    "lease_expires_at": "Verrou jusqu'à",
    "attempts": "Tentatives",
    "retry_at": "Prochain essai",
    "last_error": "Dernière erreur",
    "updated_at": "Mis à jour le",
}

IMPORT_RUN_LABELS = {
    "started_at": "Début",
    "finished_at": "Fin",
    "source": "Fichier",
    "format": "Format",
    "dry_run": "À blanc",
    "status": "Statut",
    "report": "Rapport",
}
