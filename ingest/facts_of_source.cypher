// The open facts (no `until`) citing one Source: what a newer snapshot of its dataset
// may no longer contain (ingest/refresh.py). Merge-key values come back in `props`.
MATCH (a:Entity)-[r]->(b:Entity)
WHERE $source IN r.sources AND r.until IS NULL
RETURN elementId(r) AS rid, type(r) AS type, a.id AS source, b.id AS target,
       r.since AS since, properties(r) AS props
