// What depends on the inputs $lost: every input they reach by GOES_INTO / TYPE_OF (and
// themselves), and every chip that REQUIRES one of those; with the lost inputs behind each.
UNWIND $lost AS lid
MATCH (l:Input {id: lid})
MATCH ANY SHORTEST (l) (()-[r:GOES_INTO|TYPE_OF]->()
    WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  )* (x:Input)
CALL (x) {
  RETURN x AS target
  UNION
  MATCH (c:Chip)-[q:REQUIRES]->(x)
  WHERE (q.since IS NULL OR q.since <= $as_of) AND (q.until IS NULL OR q.until >= $as_of)
  RETURN c AS target
}
WITH target, collect(DISTINCT l.id) AS lost
RETURN target.id AS id, coalesce(target.name, target.id) AS name,
       CASE WHEN target:Chip THEN 'Chip' ELSE 'Input' END AS label, lost
ORDER BY label, id
