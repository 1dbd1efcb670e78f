"""Runtime configuration, read from ``ROR_GRAPH_*`` environment variables (or a ``.env`` file).

Only the composition root (``app``, ``db``, ``cli``) reads settings; every other module receives
plain values as arguments, so libraries stay testable without environment juggling.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-secret-change-me"
SECRET_FILE = "secret_key"
SUPPORTED_SCHEMES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


class UnsupportedDatabaseError(ValueError):
    """``ROR_GRAPH_DATABASE_URL`` names a database this project does not run on."""


def stored_secret(data_dir: Path) -> str:
    """The session key kept in ``data_dir/secret_key`` (mode 0600), drawn on first use.

    Every worker of a server, and every restart, reads the same key, so admin sessions survive both;
    the first process to create the file wins a race (``O_EXCL``), the others read its key.
    """
    path = data_dir / SECRET_FILE
    for _ in range(50):
        with contextlib.suppress(FileNotFoundError):
            key = path.read_text().strip()
            if key:
                return key
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".{SECRET_FILE}.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # atomic: a complete file or none
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    raise RuntimeError(f"cannot read the session key in {path}")


def normalise_database_url(url: str) -> str:
    """Map plain driver URLs to their async SQLAlchemy dialect (the app is async end to end)."""
    for plain, async_ in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(plain):
            return async_ + url[len(plain) :]
    return url


class Settings(BaseSettings):
    """All settings of a ror_graph process."""

    model_config = SettingsConfigDict(env_prefix="ROR_GRAPH_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("./var"), description="Holds the SQLite file and managed Meilisearch data.")
    database_url: str = Field("", description="SQLAlchemy URL; empty = SQLite file in data_dir.")
    database_read_url: str = Field("", description="Optional read replica (e.g. a PostgreSQL hot standby) for "
                                   "anonymous and API-client GraphQL queries and search; empty = the primary.")
    meili_url: str = Field("", description="Meilisearch URL; empty = start the managed local binary.")
    meili_key: str = Field("", description="Meilisearch API key (master key of the managed binary if empty).")
    meili_managed: bool = Field(True, description="Start a local Meilisearch when meili_url is empty.")
    meili_index: str = Field("offres", description="Name (alias) of the public offers index.")
    search_recent_index: bool = Field(True, description="Writes go to the small `<meili_index>_recent` index, "
                                      "searchable in well under a second, and are compacted into the national "
                                      "index later; false = straight to the national index (seconds per batch at "
                                      "national volume). Run `ror-graph reindex` after turning it off.")
    search_compact_max_ids: int = Field(2000, ge=1, description="Compact the recent index into the national one "
                                        "once it shadows this many offers.")
    search_compact_max_age_seconds: float = Field(600.0, gt=0, description="Compact the recent index into the "
                                                  "national one once its oldest change is this old (seconds).")
    secret_key: str = Field(DEV_SECRET, description="Signs admin sessions; unset = a key drawn once and kept in "
                            "data_dir/secret_key (0600), shared by the workers of that directory.")
    secure_cookies: bool = Field(True, description="Admin session cookie over HTTPS only (off for local http).")
    debug: bool = Field(False, description="Unmasked GraphQL errors, GraphiQL, verbose logs.")
    cors_origins: list[str] = Field(default_factory=lambda: ["*"],
                                    description="Origins allowed on /api/search and /graphql (CORS).")
    map_tile_url: str = Field("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                              description="Tile URL template of the public map; empty = no tiles (markers only).")
    map_tile_attribution: str = Field("© les contributeurs d'OpenStreetMap",
                                      description="Attribution shown under the map tiles.")
    session_token_hours: int = Field(12, description="Lifetime of a login bearer token, in hours.")
    admin_session_hours: int = Field(10, description="Absolute lifetime of a back-office session, in hours.")
    admin_idle_minutes: int = Field(30, description="A back-office session unused this long ends (idle timeout).")
    api_token_days: int = Field(90, description="Default lifetime of a new API client token, in days (0 = never).")
    login_max_failures: int = Field(5, description="Failed logins of one e-mail within the window before a lock.")
    login_address_max_failures: int = Field(
        30, description="Failed logins from one client address within the window before a lock.")
    login_window_minutes: int = Field(15, description="Window in which failed logins are counted.")
    login_lock_minutes: int = Field(15, description="How long a throttled e-mail or address is refused.")
    password_reset_minutes: int = Field(60, description="Validity of a one-time password reset link.")
    public_url: str = Field("http://localhost:8000", description="Public base URL, for links (password reset).")
    event_retention_days: int = Field(400, ge=1, description="Events older than this, once every consumer has "
                                      "processed them, are purged from the event log.")
    max_query_cost: int = Field(
        25_000, description="GraphQL queries estimated above this many result nodes are refused (QUERY_TOO_COSTLY)."
    )
    request_timeout_seconds: float = Field(
        15.0, gt=0, description="A GraphQL request still running after this is cancelled (TIMEOUT)."
    )
    smtp_host: str = Field("", description="SMTP relay; empty = e-mails are written to <data_dir>/mailbox (Maildir).")
    smtp_port: int = Field(25, description="SMTP port (587 with STARTTLS, usually).")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_username: str = Field("", description="SMTP login, if the relay needs one.")
    smtp_password: str = Field("", description="SMTP password, if the relay needs one.")
    mail_sender: str = Field("ROR <ne-pas-repondre@localhost>", description="From: of every e-mail sent.")
    mail_return_path: str = Field("", description="Bounce address, e.g. rebonds@ror.example.fr: each e-mail leaves "
                                  "with the signed envelope sender rebonds+<id>.<hmac>@…; empty = the From address.")
    bounce_maildir: Path | None = Field(None, description="Maildir where the MTA delivers mail for the bounce "
                                        "address; the worker records the delivery status notices it finds there.")
    worker_poll_seconds: float = Field(30.0, gt=0, description="How often `ror-graph worker` looks for due jobs.")
    log_format: Literal["text", "json"] = Field("text", description="Log lines as text or as one JSON object each.")

    @field_validator("database_url", "database_read_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value) if value else value

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'ror_graph.sqlite3'}"
        return self

    def check_database_scheme(self) -> None:
        """Raise ``UnsupportedDatabaseError`` unless the URL is SQLite or PostgreSQL."""
        if not self.database_url.startswith(SUPPORTED_SCHEMES):
            scheme = self.database_url.split(":", 1)[0] or "(empty)"
            raise UnsupportedDatabaseError(
                f"unsupported database URL scheme {scheme!r}: ROR_GRAPH_DATABASE_URL must start with "
                "postgresql:// or sqlite:///")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own ``Settings``)."""
    return Settings()
