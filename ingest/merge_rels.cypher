// Merge one batch of relationships of one type: the caller puts in {{type}} a type checked
// against the schema registry and in {{key}} the extra identity conditions of the type's
// merge key (from schema.yaml, e.g. `coalesce(o.item, '') = row.props.item AND ` for
// SHIPS_TO; empty for most types).
// A fact is identified by its ends, its type, its merge-key values and its `since`: the
// same pair may hold one OWNS from 2019 to 2025 and another since 2025 (versions in time).
// row = {source, target, props (no sources; merge-key values '' when absent), sources: [..]};
// the batch holds each identity once (the writer folds duplicates).
// Sources are a union (a fact seen in two sources keeps both); other properties are
// overwritten. Rows whose endpoints are missing drop out: `written` tells how many did not.
//
// Why this shape (PROFILE, BENCHMARKS.md "Ingest"): the batch is first read whole — each
// row's existing relationship, if any (first match, LIMIT 1 per row) and whether it
// already holds every incoming value — and split with collect(); then the new rows are
// created and only the changed ones written. Reading and writing the same type in one
// pass per row made the planner put an Eager between every read and write (four of them);
// the one aggregation here is the only barrier, and unchanged rows cost no write at all.
UNWIND $rows AS row
MATCH (a:Entity {id: row.source})
MATCH (b:Entity {id: row.target})
OPTIONAL CALL (a, b, row) {
  MATCH (a)-[o:{{type}}]->(b)
  WHERE {{key}}((o.since IS NULL AND row.props.since IS NULL) OR o.since = row.props.since)
  RETURN o
  LIMIT 1
}
WITH count(*) AS found,
     collect(CASE WHEN o IS NULL THEN {a: a, b: b, row: row} END) AS new,
     collect(CASE WHEN o IS NOT NULL
                   AND NOT (all(k IN keys(row.props) WHERE coalesce(o[k] = row.props[k], false))
                            AND all(s IN row.sources WHERE s IN coalesce(o.sources, [])))
             THEN {o: o, row: row} END) AS changed
CALL (new) {
  UNWIND new AS x
  WITH x.a AS a, x.b AS b, x.row.props AS props, x.row.sources AS sources
  CREATE (a)-[r:{{type}}]->(b)
  SET r = props {.*, sources: sources}
  RETURN count(r) AS created
}
CALL (changed) {
  UNWIND changed AS x
  WITH x.o AS r, x.row.props AS props, x.row.sources AS sources,
       coalesce(x.o.sources, []) AS old_sources
  SET r += props {.*, sources: old_sources + [s IN sources WHERE NOT s IN old_sources]}
  RETURN count(r) AS updated
}
RETURN found AS written, created, updated, found - created - updated AS unchanged
