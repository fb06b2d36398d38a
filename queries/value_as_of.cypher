// The value of a dated property of some nodes on a day (DESIGN.md section 4;
// graph/dated.py is the same rule in Python).
// $ids: node ids; $property: a property declared `dated: true` in graph/schema.yaml;
// $as_of: the day. A node with a history for the property (HAS_VALUE -> Value) gets the
// entry in force on $as_of (since <= day <= until, an absent end open; the latest since
// wins), or null when no entry held that day; a node without a history keeps its plain
// property. To use the rule inside another query, copy the CALL block.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
CALL (n) {
  OPTIONAL MATCH (n)-[:HAS_VALUE]->(v:Value {property: $property})
  WITH v ORDER BY coalesce(v.since, date('0001-01-01')) DESC
  RETURN collect(v) AS history
}
WITH id, n, history,
     [v IN history WHERE (v.since IS NULL OR v.since <= $as_of)
                     AND (v.until IS NULL OR v.until >= $as_of)] AS held
RETURN id, CASE WHEN size(history) = 0 THEN n[$property] ELSE held[0].value END AS value
