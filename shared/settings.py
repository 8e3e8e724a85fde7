"""Settings from `CPR_` environment variables, with defaults that run the quick start."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAMES = ("notification_api", "scheduler", "dissemination")
DEFAULT_PORTS = {"notification_api": 8001, "scheduler": 8002, "dissemination": 8003}
INSECURE_DEV_SECRET = "dev-only-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPR_", extra="ignore")

    data_dir: Path = Path(".cpr-data")
    notification_api_database_url: str | None = None
    scheduler_database_url: str | None = None
    dissemination_database_url: str | None = None

    # No broker configured means the single-process quick start with the in-process transport.
    amqp_url: str | None = None
    # Every exchange and queue name starts with this, so tests (and tenants of a shared
    # broker) can run side by side without touching each other's topology.
    amqp_prefix: str = "cpr"
    prefetch: int = 32
    # Back-off tiers: a failed message waits in retry queue i for retry_delays_ms[i].
    retry_delays_ms: list[int] = Field(default_factory=lambda: [1000, 5000, 30000])
    # Attempts before a message is parked in the dead-letter queue.
    max_attempts: int = 5
    # Connections per process. A pool smaller than the request threads (40) makes threads
    # wait; overflow connections are opened and closed per burst, which costs more.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    relay_poll_seconds: float = 0.1
    relay_batch_size: int = 200
    # An outbox row unsent for longer than this is "stale": counted by the gauge
    # cpr_outbox_stale_messages on /metrics and listed by `cpr outbox stale` (an operator looks).
    outbox_stale_seconds: float = 300.0
    # Housekeeping: sent outbox rows, inbox ids and idempotency records are kept this long.
    outbox_retention_days: int = 7
    inbox_retention_days: int = 90
    idempotency_retention_days: int = 30

    # HMAC key for API keys and idempotency hashes; must be set outside local use.
    secret_key: str = INSECURE_DEV_SECRET

    host: str = "127.0.0.1"
    notification_api_port: int = DEFAULT_PORTS["notification_api"]
    scheduler_port: int = DEFAULT_PORTS["scheduler"]
    dissemination_port: int = DEFAULT_PORTS["dissemination"]
    public_base_url: str | None = None

    # -- e-mail (shared/mail) -----------------------------------------------------------
    # smtp://host:25 (plain), smtp+starttls://user:pass@host:587, smtps://user:pass@host:465;
    # unset: messages are written as .eml files under <data_dir>/mail/<service>/.
    smtp_url: str | None = None
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "cpr-scheduler@example.gov.wales"
    mail_from_name: str = "Child Practice Reviews Wales / Adolygiadau Ymarfer Plant Cymru"
    mail_poll_seconds: float = 2.0
    mail_batch_size: int = 50
    # Attempts before a message is failed for good (a 5xx answer fails it at once).
    mail_max_attempts: int = 8
    mail_retry_base_seconds: float = 30.0
    mail_retry_max_seconds: float = 3600.0
    # A claim older than this belongs to a worker that died; it must exceed the SMTP timeout.
    mail_lease_seconds: float = 120.0
    mail_retention_days: int = 30

    log_level: str = "INFO"
    # Bearer token a Prometheus scraper sends to /metrics (request and mail counts are business
    # figures). Unset: /metrics is off (404).
    metrics_token: str | None = None
    max_body_bytes: int = 1_000_000
    # Per API key and process; 0 turns the limit off.
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 200

    # -- signing in to pages (shared/web/signin.py) --------------------------------------
    # A session ends after this long without a request, and this long after sign-in at most.
    signin_idle_minutes: float = 30.0
    signin_absolute_hours: float = 10.0
    # Secure cookies: unset means "when the request came over https" (behind a TLS proxy that
    # forwards plain http, set it to true).
    signin_cookie_secure: bool | None = None
    # The quick start's sign-in by pasting an API key. Unset: on exactly when no OpenID
    # Connect issuer is configured.
    signin_key_enabled: bool | None = None
    # OpenID Connect (authorization code flow with PKCE): the organisation's identity provider.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    # Where the provider sends people back (<base>/signin/callback); unset: the service's base URL.
    oidc_redirect_base: str | None = None
    oidc_scopes: str = "openid profile"
    # Who a person acts for, from their ID token's claims only: "claim=value" -> a board code, or
    # "welsh-government". A claim may hold one value or a list (e.g. groups). No match: refused.
    # e.g. CPR_OIDC_CLAIM_MAP='{"groups=cpr-gwent": "gwent", "groups=wg-cpr": "welsh-government"}'
    oidc_claim_map: dict[str, str] = Field(default_factory=dict)
    oidc_timeout_seconds: float = 10.0
    # Seconds of clock difference with the provider tolerated on exp/iat.
    oidc_leeway_seconds: int = 60

    # -- notification API --------------------------------------------------------------
    overdue_check_seconds: float = 300.0
    # -- Single Unified Safeguarding Review (*policy* in DOMAIN.md: the guidance leaves these to
    # local practice, or we could not confirm them) ------------------------------------------
    susr_dhr_min_age: int = 16
    susr_owhr_min_age: int = 18
    # Months before the homicide in which the suspect's contact with mental health services
    # counts for an MHHR; unset counts any earlier contact.
    susr_mhhr_contact_months: int | None = None
    susr_owhr_excludes_dhr: bool = True
    susr_apr_extended_by_care_and_support: bool = True
    # The approved list holds work contact details only: addresses at these domains are refused.
    approved_list_personal_email_domains: list[str] = Field(default_factory=lambda: [
        "gmail.com", "googlemail.com", "hotmail.com", "hotmail.co.uk", "outlook.com", "live.co.uk", "yahoo.com",
        "yahoo.co.uk", "icloud.com", "btinternet.com", "aol.com", "protonmail.com"])

    # -- anonymisation ---------------------------------------------------------------
    # Names that must never appear in free text or publications (a configurable list).
    identifier_names: list[str] = Field(default_factory=list)

    # -- scheduler -------------------------------------------------------------------
    calendar_refresh_seconds: float = 900.0
    calendar_fetch_timeout_seconds: float = 10.0
    # Calendar feeds must be public https unless these allow otherwise (tests allow loopback).
    calendar_url_allow_http: bool = False
    calendar_url_allow_private: bool = False
    calendar_max_bytes: int = 5_000_000
    # Uploaded and fetched diaries are expanded once, for this many days back and ahead.
    calendar_past_days: int = 31
    calendar_horizon_days: int = 550
    # ORGANIZER of invitations when a meeting does not name one.
    meeting_organizer_email: str = "cpr-scheduler@example.gov.wales"
    meeting_organizer_name: str = "Child Practice Review scheduler"
    # Reply links in invitations work until this many days after the meeting ends.
    reply_link_days_after_meeting: int = 2
    # The mailbox ORGANIZER replies arrive in (imap://user:pass@host:143, imaps://...:993);
    # the worker reads METHOD:REPLY messages from its INBOX. Unset: replies by link or API only.
    imap_url: str | None = None
    imap_poll_seconds: float = 30.0
    # Availability polls (services/scheduler/polls): people who have not answered get one
    # reminder this long before the deadline; their links work this long after it (to read).
    poll_reminder_hours_before_deadline: float = 48.0
    poll_link_days_after_deadline: int = 30
    # Meetings: a required invitee with no reply this many working days (Welsh bank holidays
    # excluded) after the invitation is chased once; every invitee is reminded this long before.
    meeting_chase_working_days: int = 3
    meeting_reminder_hours_before: float = 24.0
    # How often the worker looks for reminders, chasers and poll deadlines that are due.
    reminder_check_seconds: float = 60.0
    # Review plans: days before the target completion date by which each step should be
    # done (compressed proportionally when the review's timescale is shorter than these).
    plan_first_panel_meeting_days_before_target: int = 140
    plan_learning_event_days_before_target: int = 84
    plan_draft_report_days_before_target: int = 42
    plan_approval_days_before_target: int = 14

    # -- dissemination ---------------------------------------------------------------
    # Webhook callbacks must be public https unless these allow otherwise (tests allow loopback).
    webhook_allow_private: bool = False
    webhook_allow_http: bool = False
    webhook_timeout_seconds: float = 5.0
    webhook_max_attempts: int = 6
    # E-mail alerts (services/dissemination/alerts): addresses never confirmed are deleted
    # after this many days; the worker looks for due messages this often; a period is sent
    # once it ended this long ago (longer than any publishing transaction takes).
    alert_unconfirmed_days: int = 3
    alert_check_seconds: float = 60.0
    alert_grace_seconds: float = 300.0

    def database_url(self, service: str) -> str:
        configured = getattr(self, f"{service}_database_url")
        if configured:
            return configured
        return f"sqlite:///{(self.data_dir / f'{service}.db').resolve()}"

    def port(self, service: str) -> int:
        return getattr(self, f"{service}_port")

    def base_url(self, service: str) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"http://{self.host}:{self.port(service)}"

    @property
    def uses_broker(self) -> bool:
        return bool(self.amqp_url)


@lru_cache
def get_settings() -> Settings:
    return Settings()
