"""Typed settings of the API: where it listens (from ``graph.settings``), its keys, and
the limits that keep one query from taking the server down.

Every limit is an environment variable ``STACKGRAPH_API_*`` so an operator can tighten
or loosen it without code; the defaults suit the bundled data on a laptop.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property, lru_cache

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import ConfigError
from graph.settings import Settings, get_settings


class Limits(BaseSettings):
    """Limits on GraphQL queries. Each one, when exceeded, gives an error whose
    ``extensions.code`` names it."""

    model_config = SettingsConfigDict(env_prefix="STACKGRAPH_API_", env_file=".env",
                                      extra="ignore")

    max_depth: int = Field(default=10, description="deepest selection nesting (DEPTH_LIMIT)")
    max_complexity: int = Field(default=50_000,
                                description="estimated cost: fields x page sizes x "
                                            "traversal estimates (COMPLEXITY_LIMIT)")
    max_page_size: int = Field(default=100, description="largest `first`/`limit` "
                                                        "(PAGE_SIZE_LIMIT)")
    max_hops: int = Field(default=6, description="longest path a path question may follow "
                                                 "(HOPS_LIMIT)")
    max_fanout: float = Field(default=2_000_000.0,
                              description="budget of estimated traversed paths for one path "
                                          "question: mean out-degree ** hops (FANOUT_LIMIT)")
    list_fanout: int = Field(default=10, description="assumed length of a nested list in "
                                                     "the complexity estimate")
    query_timeout: float | None = Field(default=None, description="seconds per Neo4j query; "
                                        "default: STACKGRAPH_QUERY_TIMEOUT")
    analytic_cost: int = Field(default=500, description="complexity of each analytic field "
                               "(a question) before its traversal estimate is added "
                               "(COMPLEXITY_LIMIT)")
    request_timeout: float = Field(default=60.0, description="seconds of wall clock per "
                                   "request, reading the body included (TIMEOUT)")
    max_body_bytes: int = Field(default=1 << 20, description="largest request body "
                                "(REQUEST_TOO_LARGE)")
    max_query_chars: int = Field(default=100_000, description="longest GraphQL query text "
                                 "(REQUEST_TOO_LARGE)")
    max_tokens: int = Field(default=5_000, description="most GraphQL tokens in a query, "
                            "graphql-core's parser limit (REQUEST_TOO_LARGE)")
    max_variables_bytes: int = Field(default=64 << 10, description="largest GraphQL "
                                     "variables, as JSON (REQUEST_TOO_LARGE)")
    rate_limit: str | None = Field(
        default=None, validation_alias=AliasChoices("STACKGRAPH_RATE_LIMIT", "rate_limit"),
        description="requests per API key (or per client address when keys are off), "
                    "e.g. '20/second' or '600/minute' (RATE_LIMITED); unset: no limit on "
                    "loopback, DEFAULT_RATE_LIMIT elsewhere; 'off': no limit")

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is None or not value.strip() or value.strip().lower() == "off":
            return None if value is None or not value.strip() else "off"
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"STACKGRAPH_RATE_LIMIT {value!r} is not a rate such as "
                             "'20/second' or '600/minute'") from exc
        return value.strip()


#: The rate limit of an API bound off loopback when STACKGRAPH_RATE_LIMIT is unset
DEFAULT_RATE_LIMIT = "20/second"


@dataclass(frozen=True)
class ApiKey:
    kind: str  # "read" or "admin"
    key: str

    def __repr__(self) -> str:  # never show the key itself
        return f"ApiKey(kind={self.kind!r}, key=***)"


def parse_keys(text: str) -> list[ApiKey]:
    """``"read:KEY1,admin:KEY2"`` -> keys. A bad entry is a ConfigError that names the
    entry's position, never its key."""
    keys = []
    for i, part in enumerate(p.strip() for p in text.split(",")):
        if not part:
            continue
        kind, sep, key = part.partition(":")
        if not sep or kind.strip() not in {"read", "admin"} or not key.strip():
            raise ConfigError(f"STACKGRAPH_API_KEYS entry {i + 1} is not 'read:KEY' or "
                              "'admin:KEY'", hint="e.g. STACKGRAPH_API_KEYS=read:abc,admin:xyz")
        keys.append(ApiKey(kind.strip(), key.strip()))
    return keys


def is_loopback(host: str) -> bool:
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ApiSettings:
    """Everything the app needs: the graph settings, the keys, the limits."""

    graph: Settings
    limits: Limits
    keys: tuple[ApiKey, ...]

    @property
    def host(self) -> str:
        return self.graph.api_host

    @cached_property
    def keys_required(self) -> bool:
        """Keys are required when any are configured, and always off loopback (asked by
        every request: the host's address is parsed once)."""
        return bool(self.keys) or not is_loopback(self.host)

    @property
    def query_timeout(self) -> float:
        t = self.limits.query_timeout
        return self.graph.query_timeout if t is None else t

    @property
    def rate_limit(self) -> str | None:
        """The rate limit in force, or None: STACKGRAPH_RATE_LIMIT; unset, none on
        loopback and ``DEFAULT_RATE_LIMIT`` elsewhere; ``off``, none."""
        rate = self.limits.rate_limit
        if rate is None:
            return None if is_loopback(self.host) else DEFAULT_RATE_LIMIT
        return None if rate == "off" else rate

    @property
    def browser_url(self) -> str:
        """Where Neo4j Browser answers (the managed server's HTTP port)."""
        return f"http://127.0.0.1:{self.graph.http_port}/browser/"

    def check(self) -> None:
        if not is_loopback(self.host) and not self.keys:
            raise ConfigError(f"the API is bound to {self.host}, which is not loopback, and "
                              "no API keys are configured",
                              hint="set STACKGRAPH_API_KEYS=read:KEY,admin:KEY (or bind to "
                                   "127.0.0.1)")


def make_settings(graph: Settings | None = None, limits: Limits | None = None) -> ApiSettings:
    graph = graph or get_settings()
    return ApiSettings(graph, limits or Limits(), tuple(parse_keys(graph.api_keys)))


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    return make_settings()
