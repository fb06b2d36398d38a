"""Typed settings from the environment (``NEO4J_*``, ``STACKGRAPH_*``) and a ``.env`` file.

With ``NEO4J_URI`` set, stackgraph talks to that server (a remote host, a cluster, Aura)
and starts nothing locally; without it, the managed server under ``STACKGRAPH_HOME``
(default ``.stackgraph/`` in the working directory) is used.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    # external Neo4j
    neo4j_uri: str | None = Field(default=None, validation_alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", validation_alias="NEO4J_USER")
    neo4j_password: str | None = Field(default=None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str = Field(default="neo4j", validation_alias="NEO4J_DATABASE")

    # managed local Neo4j
    home: Path = Field(default=Path(".stackgraph"), validation_alias="STACKGRAPH_HOME")
    bolt_port: int = Field(default=7687, validation_alias="STACKGRAPH_BOLT_PORT")
    http_port: int = Field(default=7474, validation_alias="STACKGRAPH_HTTP_PORT")
    heap: str = Field(default="1g", validation_alias="STACKGRAPH_HEAP",
                      description="JVM max heap of the managed server")
    pagecache: str = Field(default="512m", validation_alias="STACKGRAPH_PAGECACHE")
    java: str | None = Field(default=None, validation_alias="STACKGRAPH_JAVA",
                             description="path of the java binary to run Neo4j with")
    start_timeout: float = Field(default=120.0, validation_alias="STACKGRAPH_START_TIMEOUT")

    # queries
    query_timeout: float = Field(default=30.0, validation_alias="STACKGRAPH_QUERY_TIMEOUT",
                                 description="seconds; passed to Neo4j as the tx timeout")
    notifications: str = Field(
        default="OFF", validation_alias="STACKGRAPH_NOTIFICATIONS",
        description="the driver's minimum notification severity (OFF, WARNING, "
                    "INFORMATION): off for users (queries name properties a fresh database "
                    "lacks yet); the tests turn it on and fail on a deprecation")

    # API
    api_host: str = Field(default="127.0.0.1", validation_alias="STACKGRAPH_API_HOST")
    api_port: int = Field(default=8000, validation_alias="STACKGRAPH_API_PORT")
    api_keys: str = Field(default="", validation_alias=AliasChoices("STACKGRAPH_API_KEYS"),
                          description="comma-separated 'kind:key' pairs, kind read or admin")

    @property
    def managed(self) -> bool:
        return not self.neo4j_uri


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
