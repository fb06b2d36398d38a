"""Domain errors shared by every layer.

Each error carries a short machine-readable ``code`` (used by the GraphQL API and the
``--json`` CLI output) and a ``hint`` telling the user what to do next; the CLI prints
both instead of a traceback.
"""

from __future__ import annotations


class StackgraphError(Exception):
    """Base of every error the user is meant to read."""

    code = "STACKGRAPH_ERROR"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(StackgraphError):
    code = "CONFIG_ERROR"


class ServerError(StackgraphError):
    """The managed local Neo4j could not be installed, started or stopped."""

    code = "SERVER_ERROR"


class Neo4jUnavailable(StackgraphError):
    """Neo4j cannot be reached (down, wrong URI, network)."""

    code = "NEO4J_UNAVAILABLE"


class Neo4jAuthError(StackgraphError):
    code = "NEO4J_AUTH_FAILED"


class SchemaError(StackgraphError):
    """A label, relationship type or property not declared in graph/schema.yaml."""

    code = "SCHEMA_ERROR"


class NotFound(StackgraphError):
    code = "NOT_FOUND"


class BadArgument(StackgraphError):
    code = "BAD_ARGUMENT"


class QueryTimeout(StackgraphError):
    code = "QUERY_TIMEOUT"
