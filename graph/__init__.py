"""Storage: the schema, the Neo4j connection, the managed local server."""
