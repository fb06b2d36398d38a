// Merge one batch of nodes of one label: the caller puts in {{label}} a label checked
// against the schema registry (labels cannot be parameters); every value is in $rows.
// row = {id, props (no sources/aliases), sources: [..], aliases: [..]}.
// Provenance merges: sources and aliases are unions, other properties are overwritten.
// Returns, for the batch, how many rows created a node, changed one, or found it as given.
UNWIND $rows AS row
MERGE (n:{{label}} {id: row.id})
ON CREATE SET n._sg_new = true
WITH n, row, n._sg_new IS NOT NULL AS created,
     coalesce(n.sources, []) AS old_sources, coalesce(n.aliases, []) AS old_aliases
WITH n, row, created, old_sources, old_aliases,
     all(k IN keys(row.props) WHERE coalesce(n[k] = row.props[k], false))
       AND all(s IN row.sources WHERE s IN old_sources)
       AND all(a IN row.aliases WHERE a IN old_aliases) AS same
SET n:Entity
SET n += row.props
SET n.sources = CASE WHEN size(row.sources) = 0 THEN n.sources
                ELSE old_sources + [s IN row.sources WHERE NOT s IN old_sources] END,
    n.aliases = CASE WHEN size(row.aliases) = 0 THEN n.aliases
                ELSE old_aliases + [a IN row.aliases WHERE NOT a IN old_aliases] END
REMOVE n._sg_new
RETURN count(n) AS written,
       sum(CASE WHEN created THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN NOT created AND NOT same THEN 1 ELSE 0 END) AS updated,
       sum(CASE WHEN NOT created AND same THEN 1 ELSE 0 END) AS unchanged
