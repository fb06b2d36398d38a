// The open facts (no `until`) citing one Source: what a newer snapshot of its dataset
// may no longer contain (ingest/refresh.py). Merge-key values come back in `props`.
// A node's dated values (HAS_VALUE -> Value, written by the loader from a record's
// property, never a record of their own) are not facts of this kind: left alone.
MATCH (a:Entity)-[r]->(b:Entity)
WHERE $source IN r.sources AND r.until IS NULL AND NOT b:Value
RETURN elementId(r) AS rid, type(r) AS type, a.id AS source, b.id AS target,
       r.since AS since, properties(r) AS props
