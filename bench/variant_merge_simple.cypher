// Experiment (bench/merge_variants.py): the plainest idempotent relationship merge, no
// created/updated/unchanged accounting; {{type}} is checked against the schema registry.
UNWIND $rows AS row
MATCH (a:Entity {id: row.source})
MATCH (b:Entity {id: row.target})
MERGE (a)-[r:{{type}}]->(b)
SET r += row.props, r.sources = row.sources
RETURN count(r) AS written
