"""SQLModel tables (no I/O here). Importing this package registers every table on the metadata."""

from ror_graph.models import name_index  # noqa: F401  (registers the name search DDL on the EG table)
from ror_graph.models.account import (
    PROFILE_LEVEL,
    Account,
    AccountScope,
    ApiClient,
    LoginThrottle,
    PasswordReset,
    Profile,
    Role,
    SessionKind,
    SessionToken,
)
from ror_graph.models.base import finess_owned_fields, utcnow
from ror_graph.models.campagne import AdresseEchec, Campagne, CampagneSnapshot, MailEnvoi, MailRebond, ScheduledJob
from ror_graph.models.coded import UNITE_ATTRIBUTE_SYSTEMS, UniteAttribute
from ror_graph.models.contact import Contact, Telecom
from ror_graph.models.export import ExportJob
from ror_graph.models.feed import ApiClientFeed, WebhookDelivery
from ror_graph.models.lieu import Capacite, Equipement, EquipementLimite, Habitation, Lieu
from ror_graph.models.nomenclature import Commune, Departement, Nomenclature, Region
from ror_graph.models.offre import Horaire, Unite, UniteCode, UniteLieu, ZoneIntervention
from ror_graph.models.organisation import (
    CapaciteFiness,
    EntiteJuridique,
    Etablissement,
    EtablissementCode,
    Tarif,
)
from ror_graph.models.qualite import Anomalie, ModeleSaisie
from ror_graph.models.signalement import Signalement
from ror_graph.models.tracking import AuditLog, Consumer, Event, FinessFieldState, ImportRun, SearchShadow

__all__ = [
    "PROFILE_LEVEL",
    "UNITE_ATTRIBUTE_SYSTEMS",
    "Account",
    "AccountScope",
    "AdresseEchec",
    "Anomalie",
    "ApiClient",
    "ApiClientFeed",
    "AuditLog",
    "Campagne",
    "CampagneSnapshot",
    "Capacite",
    "CapaciteFiness",
    "Commune",
    "Consumer",
    "Contact",
    "Departement",
    "EntiteJuridique",
    "Equipement",
    "EquipementLimite",
    "Etablissement",
    "EtablissementCode",
    "Event",
    "ExportJob",
    "FinessFieldState",
    "Habitation",
    "Horaire",
    "ImportRun",
    "Lieu",
    "LoginThrottle",
    "MailEnvoi",
    "MailRebond",
    "ModeleSaisie",
    "Nomenclature",
    "PasswordReset",
    "Profile",
    "Region",
    "Role",
    "ScheduledJob",
    "SearchShadow",
    "SessionKind",
    "SessionToken",
    "Signalement",
    "Tarif",
    "Telecom",
    "Unite",
    "UniteAttribute",
    "UniteCode",
    "UniteLieu",
    "WebhookDelivery",
    "ZoneIntervention",
    "finess_owned_fields",
    "utcnow",
]
