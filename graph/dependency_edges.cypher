// The dependency projection: every GOES_INTO / TYPE_OF edge between inputs and every
// REQUIRES edge from a chip, valid on $as_of, as [from id, to id, type].
MATCH (a)-[r:GOES_INTO|TYPE_OF|REQUIRES]->(b)
WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
RETURN a.id AS a, b.id AS b, type(r) AS type
