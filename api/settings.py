"""API settings (pydantic-settings, environment prefix ``ECONGRAPH_API_``), composed with the core
:class:`pipeline.settings.Settings` (prefix ``ECONGRAPH_``).

API keys are configured **hashed**: each entry is ``ROLE:SHA256HEX`` where ``ROLE`` is ``read`` or ``operate``
(``operate`` implies ``read``) and ``SHA256HEX`` is the hex SHA-256 of the key (``python -c "from api.settings import
hash_key; print(hash_key('...'))"``; :func:`new_key` makes a fresh key and its entry). The plain key is never stored,
logged or echoed. Example::

    ECONGRAPH_API_KEYS='["read:9f86d0...", "operate:60303a..."]'     # JSON list, or comma-separated

Keys are random 256-bit tokens (:func:`new_key`), so one SHA-256 is enough to make a stolen settings file useless
(no dictionary to attack); a presented key is hashed and compared with every configured hash in constant time
(``hmac.compare_digest``, no early exit).

Outside ``environment == "development"`` the settings refuse to start without at least one key, with a key whose
hash is that of a well-known placeholder (``changethis``, ``secret`` ...), with a malformed entry, or with the CORS
wildcard ``*``. In development with no keys, reads are open and operate endpoints stay closed (they always need an
``operate`` key).
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Annotated, Literal

from pydantic import Field, model_validator, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pipeline.settings import Settings

Role = Literal["read", "operate"]
ROLES: tuple[str, ...] = ("read", "operate")

#: Keys nobody may use outside development (their hashes are refused).
PLACEHOLDER_KEYS = ("", "changethis", "changeme", "change-me", "secret", "password", "apikey", "api-key", "test",
                    "dev", "development", "default", "admin", "econgraph", "read", "operate")

_ENTRY = re.compile(r"^(read|operate):([0-9a-f]{64})$")


def hash_key(key: str) -> str:
    """Hex SHA-256 of an API key (what the settings store)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key(role: Role = "read") -> tuple[str, str]:
    """A fresh random key (43 URL-safe characters, 256 bits) and its settings entry ``ROLE:SHA256``."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    key = secrets.token_urlsafe(32)
    return key, f"{role}:{hash_key(key)}"


def _split_list(v):
    """Accept a JSON list or a comma-separated string (environment variables)."""
    if v is None:
        return []
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return []
        if s.startswith("["):
            try:
                return json.loads(s)
            except ValueError as exc:
                raise ValueError(f"not a JSON list: {exc}") from None
        return [p.strip() for p in s.split(",") if p.strip()]
    return v


class ApiSettings(BaseSettings):
    """Settings of the HTTP service; ``core`` carries the shared econgraph settings (home, store, environment)."""

    model_config = SettingsConfigDict(env_prefix="ECONGRAPH_API_", env_file=None, extra="ignore")

    core: Settings = Field(default_factory=Settings, description="shared econgraph settings (ECONGRAPH_*)")
    keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="hashed API keys, entries 'ROLE:SHA256HEX' (ROLE read|operate)")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins allowed by CORS (exact, e.g. https://dash.example.org)")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=64 * 1024 * 1024,
                                description="largest request body accepted (bytes); larger gives 413")
    max_query_bytes: int = Field(default=4096, ge=256, le=65536,
                                 description="longest query string accepted (bytes); longer gives 414")
    rate_limit_per_second: float = Field(default=50.0, gt=0,
                                         description="sustained requests per second per client (token bucket)")
    rate_limit_burst: int = Field(default=200, ge=1, description="bucket size: requests allowed in a burst")
    catalog_ttl_s: float = Field(default=10.0, gt=0, le=3600,
                                 description="how often the list of built quarters is re-read from the store")
    impact_cache_size: int = Field(default=16, ge=1, description="(quarter, rater) impact answers kept in memory")
    warm_on_startup: bool = Field(default=True, description="compute the latest quarter's AI impact at start-up")
    task_index_on_startup: bool = Field(default=False, description=(
        "build the semantic task-search index in the background at start-up (else on the first search)"))
    embedding_cache_dir: str | None = Field(default=None, description=(
        "directory of the task-embedding cache (default <home>/cache/embeddings)"))
    embedding_device: Literal["auto", "cpu", "cuda"] = "cpu"
    compute_workers: int = Field(default=1, ge=1, le=64, description=(
        "threads that run CPU-bound requests (what-if); the event loop never runs them"))
    compute_queue: int = Field(default=32, ge=0, le=10_000, description=(
        "CPU-bound requests allowed to wait for a worker; more get 503 with Retry-After"))

    @field_validator("keys", "cors_origins", mode="before")
    @classmethod
    def _lists(cls, v):
        return _split_list(v)

    @field_validator("keys")
    @classmethod
    def _check_keys(cls, v: list[str]) -> list[str]:
        out = []
        for i, entry in enumerate(v):
            e = str(entry).strip()
            if not _ENTRY.match(e):
                shown = e.split(":", 1)[0] + ":..." if ":" in e else "(no ROLE: prefix)"
                raise ValueError(f"API key entry {i + 1} ({shown}) is not 'ROLE:SHA256HEX' with ROLE read|operate "
                                 f"and 64 lowercase hex digits; store the key's SHA-256 (api.settings.hash_key), "
                                 f"never the key itself")
            out.append(e)
        return out

    @model_validator(mode="after")
    def _refuse_unsafe_outside_development(self) -> "ApiSettings":
        if self.core.environment == "development":
            return self
        env = self.core.environment
        if not self.keys:
            raise ValueError(f"environment {env!r} needs at least one API key (ECONGRAPH_API_KEYS); "
                             f"an API without keys is allowed only in development")
        placeholders = {hash_key(k) for k in PLACEHOLDER_KEYS}
        for i, entry in enumerate(self.keys):
            if entry.split(":", 1)[1] in placeholders:
                raise ValueError(f"API key entry {i + 1} is the hash of a well-known placeholder key; generate a "
                                 f"random one (api.settings.new_key) for environment {env!r}")
        if "*" in self.cors_origins:
            raise ValueError(f"CORS origin '*' is allowed only in development; list the dashboard origins "
                             f"explicitly for environment {env!r}")
        return self

    def key_table(self) -> list[tuple[str, str]]:
        """``[(sha256hex, role), ...]`` of the configured keys."""
        return [(e.split(":", 1)[1], e.split(":", 1)[0]) for e in self.keys]

    @property
    def embedding_cache(self):
        from pathlib import Path

        return Path(self.embedding_cache_dir) if self.embedding_cache_dir else self.core.home / "cache" / "embeddings"


def api_settings(settings: "Settings | ApiSettings | None" = None, **overrides) -> ApiSettings:
    """ApiSettings from the environment, around ``settings`` when given (a core Settings or ApiSettings)."""
    if isinstance(settings, ApiSettings):
        if not overrides:
            return settings
        return ApiSettings(**{**{k: getattr(settings, k) for k in ApiSettings.model_fields}, **overrides})
    if settings is not None:
        overrides = {"core": settings, **overrides}
    return ApiSettings(**overrides)
