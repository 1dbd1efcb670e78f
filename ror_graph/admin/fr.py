"""French wording of SQLAdmin's own interface strings (SQLAdmin ships no French catalog).

Installed as the templates' gettext. The submit-button labels "Save" and "Save and continue
editing" stay in English on purpose: SQLAdmin compares the posted button value with the English
label to decide where to redirect after saving.
"""

from __future__ import annotations

FRENCH = {
    "List": "Liste",
    "Details": "Détails",
    "Create": "Créer",
    "Edit": "Modifier",
    "Delete": "Supprimer",
    "Export": "Exporter",
    "Import": "Importer",
    "New %(name)s": "Nouveau : %(name)s",
    "Cancel": "Annuler",
    "Save and add another": "Enregistrer et ajouter",
    "Column": "Champ",
    "Value": "Valeur",
    "Go Back": "Retour",
    "Edit %(name)s": "Modifier : %(name)s",
    "Logout": "Se déconnecter",
    "You are not authorized to view these records.": "Vous n'avez pas accès à ces données.",
    "Actions": "Actions",
    "Delete selected items": "Supprimer la sélection",
    "Search": "Rechercher",
    "Select all": "Tout sélectionner",
    "Select item": "Sélectionner",
    "View": "Voir",
    "Showing %(start)s to %(end)s of %(count)s items": "Lignes %(start)s à %(end)s sur %(count)s",
    "prev": "préc.",
    "next": "suiv.",
    "Show": "Afficher",
    "%(size)s / Page": "%(size)s / page",
    "Filters": "Filtres",
    "Login to %(title)s": "Connexion — %(title)s",
    "Username": "Adresse e-mail",
    "Enter username": "prenom.nom@ars.sante.fr",
    "Password": "Mot de passe",
    "Login": "Se connecter",
    "Close": "Fermer",
    "Done": "Terminé",
    "Clear filter": "Retirer le filtre",
    "Apply Filter": "Appliquer",
    "Please confirm": "Confirmez",
    "Yes": "Oui",
    "All": "Tous",
    "Refresh list": "Rafraîchir la liste",
}


def gettext(message: str) -> str:
    return FRENCH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)
