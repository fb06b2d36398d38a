// One step of the breadth-first walk downstream of the inputs that lost all supply: the
// dependency edges (GOES_INTO / TYPE_OF, valid on $as_of) leaving the inputs $ids.
UNWIND $ids AS id
MATCH (a:Input {id: id})-[r:GOES_INTO|TYPE_OF]->(b:Input)
WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
RETURN id AS a, b.id AS b
