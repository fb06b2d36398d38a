// Experiment (bench/merge_variants.py): create only, for relationships known to be new
// (a first load); {{type}} is checked against the schema registry.
UNWIND $rows AS row
MATCH (a:Entity {id: row.source})
MATCH (b:Entity {id: row.target})
CREATE (a)-[r:{{type}}]->(b)
SET r += row.props, r.sources = row.sources
RETURN count(r) AS written
