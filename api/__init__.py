"""The ways in: the `stackgraph` CLI, the GraphQL API, dashboard endpoints and page."""
