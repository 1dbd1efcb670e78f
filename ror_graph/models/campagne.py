"""Annual update campaigns (décret 2023-1057), the e-mails they send and the scheduler's job leases.

* ``Campagne``: a region's yearly call to check and validate descriptions — territory (a région
  and/or départements), FINESS categories, opening date and deadline. The status of each EG in
  scope (à faire, en cours, validée, en retard) is derived from its edit and validation dates, never
  stored, so it cannot drift from the validation flow.
* ``MailEnvoi``: one e-mail the application decided to send, keyed so that a reminder step goes
  once to each person even with several workers or after a restart (unique ``cle``); failures and
  bounces stay visible in the back office.
* ``MailRebond`` / ``AdresseEchec``: delivery status notices (bounces) received for our e-mails, once
  each, and the addresses they put « en échec ».
* ``ScheduledJob``: one row per scheduled job with a lease, so that due work runs once across processes.
* ``CampagneSnapshot``: daily indicators (completeness, validated within 12 months) per territory,
  drawn as curves on the campaign dashboard.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel, UniqueConstraint

from ror_graph.models.base import table_of, utcnow
from ror_graph.models.organisation import Etablissement


class Campagne(SQLModel, table=True):
    """A campaign of yearly update: who is in scope, when it opens, by when structures must validate."""

    __tablename__ = "campagne"

    id: int | None = Field(default=None, primary_key=True)
    nom: str = Field(max_length=200)
    region_code: str | None = Field(default=None, max_length=3, description="INSEE région; empty = départements.")
    departements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                    description="INSEE départements; empty = the whole région.")
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                  description="FINESS EG categories (JDV_J55); empty = all.")
    ouverture: datetime = Field(description="Opening: edits and validations count from this instant.")
    echeance: datetime = Field(description="Deadline: not validated after it = en retard.")
    active: bool = Field(default=True, description="Reminders are sent while the campaign is active.")
    created_at: datetime = Field(default_factory=utcnow)


class MailEnvoi(SQLModel, table=True):
    """One e-mail to send or sent: ``cle`` is unique, so the same step never goes twice to one person."""

    __tablename__ = "mail_envoi"
    __table_args__ = (UniqueConstraint("cle", name="uq_mail_envoi_cle"),)

    id: int | None = Field(default=None, primary_key=True)
    cle: str = Field(max_length=300, description="campagne:<id>:eg:<id>:<step>:<e-mail> (or reset:<id>...).")
    kind: str = Field(max_length=20, index=True, description="relance | reset")
    campagne_id: int | None = Field(default=None, foreign_key="campagne.id", index=True, ondelete="CASCADE")
    etablissement_id: int | None = Field(default=None, index=True)
    etape: str | None = Field(default=None, max_length=20, description="ouverture, j-30, j-7, retard-N.")
    destinataire: str = Field(max_length=200, index=True)
    sujet: str = Field(max_length=300)
    statut: str = Field(default="a_envoyer", max_length=12, index=True,
                        description="a_envoyer | envoye | echec | rebond (refused later by the receiving server)")
    tentatives: int = 0
    erreur: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    rebond_at: datetime | None = Field(default=None, description="Last delivery status notice received (DSN).")
    rebond_code: str | None = Field(default=None, max_length=12, description="Its RFC 3463 status, e.g. 5.1.1.")
    rebond_diagnostic: str | None = Field(default=None, max_length=1000, description="The receiving server's words.")


class MailRebond(SQLModel, table=True):
    """One delivery status notice (RFC 3464) about one of our e-mails, recorded once (unique ``cle``)."""

    __tablename__ = "mail_rebond"
    __table_args__ = (UniqueConstraint("cle", name="uq_mail_rebond_cle"),)

    id: int | None = Field(default=None, primary_key=True)
    cle: str = Field(max_length=120, description="<mail_envoi id>:<sha256 of the notice's Message-ID or bytes>.")
    mail_envoi_id: int = Field(foreign_key="mail_envoi.id", index=True, ondelete="CASCADE")
    destinataire: str = Field(max_length=200)
    action: str = Field(max_length=20, description="failed | delayed (RFC 3464 Action).")
    code: str = Field(max_length=12, description="RFC 3463 status, e.g. 5.1.1 or 4.2.2.")
    diagnostic: str | None = Field(default=None, max_length=1000)
    definitif: bool = Field(description="failed with a 5.x.x status: the address does not receive mail.")
    recu_at: datetime = Field(default_factory=utcnow)


class AdresseEchec(SQLModel, table=True):
    """An address the receiving servers refuse or delay: « adresse en échec » for support, by e-mail.

    A permanent failure (``definitif``) suspends the campaign reminders to the address until support
    puts it back in service (``services.mail.suspension``), which removes the row.
    """

    __tablename__ = "adresse_echec"
    __table_args__ = (UniqueConstraint("email", name="uq_adresse_echec_email"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200, description="Lower-case e-mail address.")
    definitif: bool = Field(default=False, description="A permanent failure (5.x.x) was received.")
    code: str = Field(max_length=12, description="Status of the last notice.")
    diagnostic: str | None = Field(default=None, max_length=1000)
    rebonds: int = Field(default=0, description="Notices received for this address.")
    dernier_mail_envoi_id: int | None = Field(default=None, description="The e-mail of the last notice.")
    premier_at: datetime = Field(default_factory=utcnow)
    dernier_at: datetime = Field(default_factory=utcnow)


class ScheduledJob(SQLModel, table=True):
    """A job of the scheduler: when it runs next and who holds it now (lease)."""

    __tablename__ = "scheduled_job"

    name: str = Field(primary_key=True, max_length=60)
    next_run_at: datetime
    last_run_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = None
    runs: int = 0
    last_error: str | None = Field(default=None, max_length=2000)
    last_result: str | None = Field(default=None, max_length=2000)


class CampagneSnapshot(SQLModel, table=True):
    """Indicators of one territory on one day (``departement`` empty = the région, both empty = national)."""

    __tablename__ = "campagne_snapshot"
    __table_args__ = (UniqueConstraint("jour", "region_code", "departement_code", name="uq_campagne_snapshot"),)

    id: int | None = Field(default=None, primary_key=True)
    jour: date = Field(index=True)
    region_code: str = Field(default="", max_length=3)
    departement_code: str = Field(default="", max_length=3)
    total: int = 0
    complets: int = 0
    valides_12_mois: int = 0


# The campaign dashboard counts every EG of a territory by département × category × status: a covering
# index answers it without reading the (wide) établissement rows.
_columns = table_of(Etablissement).columns
Index("ix_etablissement_campagne", _columns.departement_code, _columns.categorie_code, _columns.ferme,
      _columns.region_code, _columns.derniere_validation_at, _columns.derniere_modification_at)
