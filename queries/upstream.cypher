// The upstream of a target (a Chip: the inputs it REQUIRES; an Input: itself): every
// input with a GOES_INTO / TYPE_OF path into it, and the dependency edges leaving those
// inputs (the caller keeps the edges inside the set). Relationships valid on $as_of.
// COLLECT subqueries, not CALL + collect(): a target with no REQUIRES (or an upstream with
// no edges) still gives one row, with empty lists (an aggregation grouped by an imported
// variable over zero rows gives no row at all).
MATCH (t:Entity {id: $id})
WITH COLLECT {
  MATCH (t:Chip)-[r:REQUIRES]->(i:Input)
  WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  RETURN i
  UNION
  MATCH (i:Input) WHERE i = t
  RETURN i
} AS roots
WITH roots, COLLECT {
  UNWIND roots AS i
  MATCH ANY SHORTEST (u:Input) (()-[r:GOES_INTO|TYPE_OF]->()
      WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
    )* (i)
  RETURN DISTINCT u
} AS ups
WITH roots, ups, COLLECT {
  UNWIND ups AS a
  MATCH (a)-[r:GOES_INTO|TYPE_OF]->(b:Input)
  WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  RETURN [a.id, b.id]
} AS edges
RETURN [r IN roots | r.id] AS roots,
       [u IN ups | {id: u.id, name: coalesce(u.name, u.id)}] AS upstream,
       edges
