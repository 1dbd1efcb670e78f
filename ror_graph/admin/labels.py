"""French column labels of the back-office views (the words support teams use)."""

from __future__ import annotations

ADDRESS_LABELS = {
    "numero_voie": "N° de voie",
    "type_voie": "Type de voie",
    "libelle_voie": "Libellé de voie",
    "complement_voie": "Complément d'adresse",
    "lieu_dit": "Lieu-dit",
    "code_postal": "Code postal",
    "libelle_acheminement": "Libellé d'acheminement",
    "commune_code": "Commune (COG)",
}

STAMP_LABELS = {"version": "Version", "created_at": "Créé le", "updated_at": "Modifié le"}

ENTITE_LABELS = {
    **ADDRESS_LABELS,
    **STAMP_LABELS,
    "finess": "FINESS",
    "raison_sociale": "Raison sociale",
    "raison_sociale_longue": "Raison sociale longue",
    "statut_juridique_code": "Statut juridique",
    "siren": "SIREN",
    "telephone": "Téléphone",
    "date_creation": "Date de création",
    "date_fermeture": "Date de fermeture",
    "type_fermeture_code": "Type de fermeture",
    "placeholder": "Provisoire (en attente de FINESS)",
    "finess_updated_at": "Dernier import FINESS",
}

ETABLISSEMENT_LABELS = {
    **ENTITE_LABELS,
    "entite_juridique_id": "Entité juridique (id)",
    "complement_denomination": "Complément de dénomination",
    "categorie_code": "Catégorie",
    "siret": "SIRET",
    "telecopie": "Télécopie",
    "courriel": "Courriel",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "departement_code": "Département",
    "region_code": "Région",
    "date_ouverture": "Date d'ouverture",
    "ferme": "Fermé",
    "espic_code": "ESPIC",
    "nom_operationnel": "Nom opérationnel",
    "hebergement_famille": "Hébergement des familles",
    "nb_place_aide_sociale_permanent": "Places aide sociale (permanent)",
    "nb_place_aide_sociale_temporaire": "Places aide sociale (temporaire)",
    "accessibilite_code": "Accessibilité",
    "commentaire": "Commentaire",
    "statut_description": "Statut de la description",
    "derniere_modification_at": "Dernière modification",
    "derniere_modification_par": "Modifié par",
    "derniere_validation_at": "Dernière validation",
    "derniere_validation_par": "Validé par",
}

UNITE_LABELS = {
    **STAMP_LABELS,
    "identifiant": "Identifiant national",
    "etablissement_id": "Établissement",
    "nom": "Nom de l'offre",
    "type_offre_code": "Type d'offre",
    "champ_activite_code": "Champ d'activité",
    "mode_prise_en_charge_code": "Mode de prise en charge",
    "temporalite_code": "Temporalité",
    "age_min": "Âge min.",
    "age_max": "Âge max.",
    "unite_sensible": "Unité sensible",
    "soins_sans_consentement": "Soins sans consentement",
    "secteur_psychiatrique": "Secteur psychiatrique",
    "commentaire": "Commentaire",
    "date_fermeture": "Date de fermeture",
    "type_fermeture_code": "Type de fermeture",
    "date_reouverture_prevue": "Réouverture prévue",
    "ferme": "Fermée",
    "demo": "Démonstration",
}

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
