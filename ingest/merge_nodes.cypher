// Merge one batch of nodes of one label: the caller puts in {{label}} a label checked
// against the schema registry (labels cannot be parameters); every value is in $rows.
// row = {id, props (no sources/aliases), sources: [..], aliases: [..]}; the batch holds
// each id once (the writer folds duplicates).
// Provenance merges: sources and aliases are unions, other properties are overwritten.
// Returns, for the batch, how many rows created a node, changed one, or found it as given.
//
// Why this shape (PROFILE, BENCHMARKS.md "Ingest"): the batch is first read whole (which
// ids exist, and whether they already hold every incoming value), split with collect(),
// then new nodes are created and only changed ones written: no Eager per row, and an
// unchanged node costs no write (nor a full-text index update). Creating a node whose id
// another label holds fails on the Entity id constraint, as MERGE did.
UNWIND $rows AS row
OPTIONAL MATCH (n:{{label}} {id: row.id})
WITH collect(CASE WHEN n IS NULL THEN row END) AS new,
     collect(CASE WHEN n IS NOT NULL THEN {n: n, row: row,
       same: all(k IN keys(row.props) WHERE coalesce(n[k] = row.props[k], false))
             AND all(s IN row.sources WHERE s IN coalesce(n.sources, []))
             AND all(a IN row.aliases WHERE a IN coalesce(n.aliases, []))} END) AS old
CALL (new) {
  UNWIND new AS row
  WITH row, row.props AS props
  CREATE (n:{{label}}:Entity)
  SET n = props {.*, id: row.id,
                 sources: CASE WHEN size(row.sources) = 0 THEN null ELSE row.sources END,
                 aliases: CASE WHEN size(row.aliases) = 0 THEN null ELSE row.aliases END}
  RETURN count(n) AS created
}
CALL (old) {
  UNWIND [x IN old WHERE NOT x.same OR NOT x.n:Entity] AS x
  WITH x.n AS n, x.row AS row, x.row.props AS props,
       coalesce(x.n.sources, []) AS old_sources, coalesce(x.n.aliases, []) AS old_aliases
  SET n:Entity,
      n += props {.*,
        sources: CASE WHEN size(row.sources) = 0 THEN n.sources
                 ELSE old_sources + [s IN row.sources WHERE NOT s IN old_sources] END,
        aliases: CASE WHEN size(row.aliases) = 0 THEN n.aliases
                 ELSE old_aliases + [a IN row.aliases WHERE NOT a IN old_aliases] END}
  RETURN count(n) AS rewritten
}
WITH created, old, size([x IN old WHERE NOT x.same]) AS updated
RETURN created + size(old) AS written, created, updated, size(old) - updated AS unchanged
