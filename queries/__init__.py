"""The read path: the analytic questions as parameterized Cypher plus networkx."""
