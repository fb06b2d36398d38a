// The chips that REQUIRE one of the inputs $ids (valid on $as_of), with that input.
UNWIND $ids AS id
MATCH (c:Chip)-[q:REQUIRES]->(:Input {id: id})
WHERE (q.since IS NULL OR q.since <= $as_of) AND (q.until IS NULL OR q.until >= $as_of)
RETURN c.id AS chip, id AS input
