// Merge one batch of relationships of one type: the caller puts in {{type}} a type checked
// against the schema registry and in {{key}} the extra identity conditions of the type's
// merge key (from schema.yaml, e.g. `coalesce(o.item, '') = row.key.item AND ` for
// SHIPS_TO; empty for most types).
// A fact is identified by its ends, its type, its merge-key values and its `since`: the
// same pair may hold one OWNS from 2019 to 2025 and another since 2025 (versions in time).
// row = {source, target, since, key, props (no sources), sources: [..]}; the batch holds
// each identity once (the writer folds duplicates).
// Sources are a union (a fact seen in two sources keeps both); other properties are
// overwritten. Rows whose endpoints are missing drop out: `written` tells how many did not.
UNWIND $rows AS row
MATCH (a:Entity {id: row.source})
MATCH (b:Entity {id: row.target})
OPTIONAL MATCH (a)-[o:{{type}}]->(b)
  WHERE {{key}}((o.since IS NULL AND row.since IS NULL) OR o.since = row.since)
WITH a, b, row, head(collect(o)) AS old
CALL (a, b, old) {
  WITH a, b, old WHERE old IS NULL
  CREATE (a)-[r:{{type}}]->(b)
  RETURN r, true AS created
  UNION
  WITH old WHERE old IS NOT NULL
  RETURN old AS r, false AS created
}
WITH r, row, created, coalesce(r.sources, []) AS old_sources
WITH r, row, created, old_sources,
     all(k IN keys(row.props) WHERE coalesce(r[k] = row.props[k], false))
       AND all(s IN row.sources WHERE s IN old_sources) AS same
SET r += row.props
SET r.sources = old_sources + [s IN row.sources WHERE NOT s IN old_sources]
RETURN count(r) AS written,
       sum(CASE WHEN created THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN NOT created AND NOT same THEN 1 ELSE 0 END) AS updated,
       sum(CASE WHEN NOT created AND same THEN 1 ELSE 0 END) AS unchanged
