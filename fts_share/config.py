"""Node configuration: ``HOME/config.toml``, with paths relative to the home.

A node home is self-contained and relocatable: every path in the configuration is resolved
against the home, so copying the folder copies the node. Environment variables override:

- ``FTS_SHARE_DATABASE_URL``: the database (e.g. a PostgreSQL URL);
- ``FTS_SHARE_KEY_PASSPHRASE``: the passphrase of the private key files, if set at init.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fts_share.errors import ConfigError

CONFIG_FILE = "config.toml"
DEFAULT_LEGAL_BASES = ("UNSCR-1267", "UNSCR-1989", "UNSCR-2253", "UNSCR-2368", "UNSCR-2178",
                       "UNSCR-2396", "UNSCR-1373")
MAX_TOKEN_DAYS = 36_500
"""The longest token lifetime that can be configured or asked for (100 years)."""
DEFAULT_PURPOSES = ("investigation", "border_screening", "sanctions_implementation",
                    "prosecution")


@dataclass
class FederationSettings:
    """How this node polls its partners. ``receive_workers`` (processes given the keys),
    ``receive_threads`` (fetch ahead, then open): see services.receive_pool."""
    poll_interval: float = 30.0
    page_limit: int = 100
    request_timeout: float = 10.0
    backoff_base: float = 5.0
    backoff_max: float = 600.0
    signature_ttl: int = 60
    max_clock_skew: int = 30
    # --- peers and roster freshness (issue 13) ---
    poll_slots: int = 8
    """How many partners are polled at once; each partner has its own schedule."""
    max_page_bytes: int = 64 * 1024 * 1024
    """The largest feed page accepted, in bytes (refused before it is parsed)."""
    roster_warn_days: int = 30
    """Days after its ``issued`` time from which the roster in force is reported as
    aging (node info, admin pages, one logged warning a day); 0: never."""
    roster_max_days: int = 90
    """Days after its ``issued`` time from which the roster in force is stale: the node
    neither polls nor serves partners until a fresher one is imported; 0: never."""
    receive_workers: int | None = None
    receive_threads: int | None = None

    def __post_init__(self) -> None:
        for name in ("roster_warn_days", "roster_max_days"):
            days = getattr(self, name)
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_TOKEN_DAYS:
                raise ConfigError(f"federation.{name}: expected an integer from 0 to "
                                  f"{MAX_TOKEN_DAYS} (0: never), got {days!r}")
        for name in ("receive_workers", "receive_threads"):
            if (n := getattr(self, name)) is not None and not (type(n) is int and 0 <= n <= 64):
                raise ConfigError(f"federation.{name}: expected an integer from 0 to 64, got {n!r}")
        warn, most = self.roster_warn_days, self.roster_max_days
        if warn and most and warn > most:
            raise ConfigError(f"federation.roster_warn_days ({warn}) must not exceed "
                              f"federation.roster_max_days ({most})")


@dataclass
class HandlingSettings:
    """Handling rules: legal bases, purposes, review periods, photos (off by default)."""
    legal_bases: tuple[str, ...] = DEFAULT_LEGAL_BASES
    purposes: tuple[str, ...] = DEFAULT_PURPOSES
    review_years: int = 5
    minor_review_years: int = 1
    photos: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.photos, bool):
            raise ConfigError(f"handling.photos: expected true or false, got {self.photos!r}")


@dataclass
class ApiSettings:
    """Limits of the HTTP API."""

    max_body_bytes: int = 1_048_576
    max_batch_rows: int = 100_000
    #: hours a batch screening's results are kept after it was started
    batch_retention_hours: int = 24
    #: days a new bearer token is valid (0: it never expires; ``user add/token
    #: --expires-in`` overrides it per token)
    token_days: int = 90

    def __post_init__(self) -> None:
        days = self.token_days
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_TOKEN_DAYS:
            raise ConfigError(f"api.token_days: expected an integer from 0 to {MAX_TOKEN_DAYS} "
                              f"(0: never expires), got {days!r}")


@dataclass
class LimitsSettings:
    """Abuse limits (``fts_share.http.limits``), in the notation of the ``limits`` package
    ("600 per minute", several joined by ";"). ``per_address`` counts every request of one
    client address; ``per_client`` every authenticated request of one bearer token or one
    partner signing key. The default storage, ``memory://``, keeps the counters in each
    worker process: with N workers a client gets up to N times the limit. A Redis URI
    (``redis://host:6379``, the ``redis`` extra) shares them between workers.
    ``trusted_proxies`` lists the addresses or networks of the reverse proxies whose
    X-Forwarded-For is believed; any other peer is the client itself."""

    enabled: bool = True
    per_address: str = "6000 per minute"
    per_client: str = "3000 per minute"
    storage_uri: str = "memory://"
    strategy: str = "fixed-window"
    trusted_proxies: tuple[str, ...] = ()


@dataclass
class WebSettings:
    """Web sessions: ended by the server after ``session_hours`` from sign-in, or after
    ``idle_minutes`` without a request, whichever comes first."""

    session_hours: float = 8.0
    idle_minutes: float = 30.0


@dataclass
class MatchingSettings:
    """Matching ``threshold``, ``search_threshold``, ``options`` (docs/matching.md)."""
    threshold: float | None = None
    search_threshold: float | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class AlertSettings:
    """How received notices' matches become alerts (``fts_share.services.alert_groups``).

    ``grouping``: one alert per subject, its matches ranked inside it, each new sighting
    of the subject added to it (off: one alert per match, as before). ``max_matches``:
    the matches an alert shows, best first (every match is still stored and audited).
    ``link_score``: the matching engine's score at or above which a received notice
    is the same subject as an earlier one (a shared document number links as well)."""

    grouping: bool = True
    max_matches: int = 20
    link_score: float = 0.95

    def __post_init__(self) -> None:
        if not isinstance(self.grouping, bool):
            raise ConfigError(f"alerts.grouping: expected true or false, got {self.grouping!r}")
        cap = self.max_matches
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            raise ConfigError(f"alerts.max_matches: expected an integer >= 1, got {cap!r}")
        link = self.link_score
        if not isinstance(link, (int, float)) or isinstance(link, bool) or not 0 < link <= 1:
            raise ConfigError(f"alerts.link_score: expected a score in (0, 1], got {link!r}")


@dataclass
class AuditSettings:
    """When this node signs tree heads of its audit log on its own (0 disables either)."""

    head_every: int = 1000
    """Sign a head at every ``head_every`` entries (the poller-lock holder, at its next
    ``head_tick``)."""
    head_interval: float = 300.0
    """Sign a head every ``head_interval`` seconds while the log grows (the poller)."""
    head_tick: float = 5.0
    """How often (seconds) the poller-lock holder looks for heads due."""

    def __post_init__(self) -> None:
        every, interval, tick = self.head_every, self.head_interval, self.head_tick
        if not isinstance(tick, (int, float)) or isinstance(tick, bool) or not tick > 0:
            raise ConfigError(f"audit.head_tick: expected seconds > 0, got {tick!r}")
        if not isinstance(every, int) or isinstance(every, bool) or every < 0:
            raise ConfigError(f"audit.head_every: expected an integer >= 0, got {every!r}")
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval < 0:
            raise ConfigError(f"audit.head_interval: expected seconds >= 0, got {interval!r}")


@dataclass
class OpsSettings:
    """What the node tells its operator (``http.operations``, README "Operations"):
    ``metrics`` serves ``GET /metrics`` (no personal data; else 404); ``log_format``: ``json``
    (a line each, with request ids) or ``text``; ``log_level``: a ``logging`` level name.
    A queue worker silent for ``job_stalled_seconds`` is dead: its jobs run elsewhere."""

    metrics: bool = True
    log_format: str = "json"
    log_level: str = "INFO"
    job_stalled_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.log_format not in ("json", "text"):
            raise ConfigError(f"ops.log_format: expected json or text, got {self.log_format!r}")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(f"ops.log_level: not a level: {self.log_level!r}")


@dataclass
class BackupSettings:
    """Snapshots of the node (``fts-share backup``): how long a snapshot may be restored
    (written into it; ``restore`` refuses an older one unless told to) and where the
    backup key lives (a random 32-byte key, kept by the operator apart from the
    snapshots)."""

    retention_days: int = 30
    key_file: str = "keys/backup.key"

    def __post_init__(self) -> None:
        days = self.retention_days
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise ConfigError(f"backup.retention_days: expected an integer >= 1, got {days!r}")


@dataclass
class NotifySettings:
    """Messages that new match alerts arrived (off by default): an e-mail (SMTP) and/or
    a webhook (HTTP POST of JSON ``{count, link, node, time}``, signed with HMAC-SHA256
    in ``X-FTS-Signature`` when ``FTS_SHARE_WEBHOOK_SECRET`` is set), sent by the
    poller after a round that raised alerts, at most one per ``min_interval`` seconds
    (alerts that arrive meanwhile are counted into the next). A message carries a
    count and a link, never a name. The SMTP password is ``FTS_SHARE_SMTP_PASSWORD``."""

    email: bool = False
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    mail_from: str = ""
    mail_to: tuple[str, ...] = ()
    webhook_url: str = ""
    """empty: no webhook"""
    timeout: float = 10.0
    min_interval: float = 300.0
    link: str = ""
    """where the message points; empty: the node's ``url`` + ``/officer/alerts``"""

    def __post_init__(self) -> None:
        self.mail_to = tuple(self.mail_to)
        for name in ("email", "smtp_starttls"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"notify.{name}: expected true or false")
        port = self.smtp_port
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise ConfigError(f"notify.smtp_port: expected a port (1-65535), got {port!r}")
        _check_addresses(self)
        for name, value in (("webhook_url", self.webhook_url), ("link", self.link)):
            if value and not _is_http_url(value):
                raise ConfigError(f"notify.{name}: expected an http(s) URL, got {value!r}")
        for name, low, high in (("timeout", 0.1, 120), ("min_interval", 0, 86_400)):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not low <= v <= high:
                raise ConfigError(f"notify.{name}: expected seconds from {low} to {high}")


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or any(c in value for c in "\r\n "):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_addresses(n: NotifySettings) -> None:
    """E-mail on needs a sender and recipients; every address one line with an @."""
    addresses = [n.mail_from, *n.mail_to, n.smtp_user]
    if not all(isinstance(a, str) for a in addresses):
        raise ConfigError("notify: mail_from, mail_to and smtp_user are text")
    if n.email and not (n.mail_from and n.mail_to and n.smtp_host):
        raise ConfigError("notify.email: needs smtp_host, mail_from and mail_to")
    for a in [n.mail_from, *n.mail_to]:
        if a and ("@" not in a or any(c in a for c in "\r\n<>,")):
            raise ConfigError(f"notify: not an e-mail address: {a!r}")


@dataclass
class NodeConfig:
    """Everything a node reads from its home."""

    home: Path
    code: str
    url: str
    database_url: str = "sqlite:///node.db"
    signing_key: str = "keys/signing.pem"
    encryption_key: str = "keys/encryption.pem"
    pq_encryption_key: str | None = "keys/encryption-pq.key"
    """The hybrid ML-KEM-768 + X25519 key; empty or None: this node has none."""
    storage_key: str = "keys/storage.key"
    trust_anchor: str = "keys/secretariat.pub.json"
    roster_file: str = "roster.json"
    secret_key_file: str = "keys/session.key"
    federation: FederationSettings = field(default_factory=FederationSettings)
    handling: HandlingSettings = field(default_factory=HandlingSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    web: WebSettings = field(default_factory=WebSettings)
    ops: OpsSettings = field(default_factory=OpsSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)

    def path(self, relative: str) -> Path:
        """A configured path resolved against the home."""
        p = Path(relative)
        return p if p.is_absolute() else self.home / p

    @property
    def resolved_database_url(self) -> str:
        """The database URL, env override first, a relative SQLite path made absolute."""
        url = os.environ.get("FTS_SHARE_DATABASE_URL") or self.database_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
            return prefix + str(self.path(url[len(prefix):]))
        return url

    @property
    def passphrase(self) -> bytes | None:
        """The private-key passphrase from the environment, if any."""
        value = os.environ.get("FTS_SHARE_KEY_PASSPHRASE")
        return value.encode() if value else None


_SECTIONS = {"federation": FederationSettings, "handling": HandlingSettings,
             "api": ApiSettings, "matching": MatchingSettings, "audit": AuditSettings,
             "alerts": AlertSettings, "limits": LimitsSettings, "web": WebSettings,
             "ops": OpsSettings, "backup": BackupSettings, "notify": NotifySettings}


def load_config(home: Path) -> NodeConfig:
    """Read ``HOME/config.toml``; unknown keys are refused, naming them."""
    home = Path(home).resolve()
    path = home / CONFIG_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: not a node home (no {CONFIG_FILE}); run 'fts-share init'") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    node = dict(raw.pop("node", {}))
    kwargs: dict[str, Any] = {"home": home}
    top = {f.name for f in fields(NodeConfig)} - {"home"} - set(_SECTIONS)
    for key, value in node.items():
        if key not in top:
            raise ConfigError(f"{path}: unknown setting node.{key}")
        kwargs[key] = value
    for name, cls in _SECTIONS.items():
        section = dict(raw.pop(name, {}))
        known = {f.name for f in fields(cls)}
        unknown = set(section) - known
        if unknown:
            raise ConfigError(f"{path}: unknown setting(s) {', '.join(f'{name}.{u}' for u in sorted(unknown))}")
        kwargs[name] = cls(**{k: tuple(v) if isinstance(v, list) else v
                              for k, v in section.items()})
    if raw:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(raw))}")
    for required in ("code", "url"):
        if required not in kwargs:
            raise ConfigError(f"{path}: node.{required} is required")
    return NodeConfig(**kwargs)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(config: NodeConfig) -> Path:
    """Write ``HOME/config.toml`` (every setting, so operators see the defaults)."""
    lines = ["# fts-share node configuration. Paths are relative to this folder.", "[node]"]
    for f in fields(NodeConfig):
        if f.name in ("home",) or f.name in _SECTIONS:
            continue
        value = getattr(config, f.name)
        lines.append(f"{f.name} = {_toml_value('' if value is None else value)}")
    for name in _SECTIONS:
        section = getattr(config, name)
        lines += ["", f"[{name}]"]
        for f in fields(section):
            value = getattr(section, f.name)
            if value is None or value == {}:
                continue
            lines.append(f"{f.name} = {_toml_value(value)}")
    path = config.home / CONFIG_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
