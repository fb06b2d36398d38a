// The dependency projection valid on $as_of, oriented from what is needed to what needs
// it: GOES_INTO / TYPE_OF between inputs as they are, a chip's REQUIRES as input -> chip.
// Rows [from id, to id, the chip's name when `to` is a chip]; the structure summary of
// queries/summaries.py (a chip question then needs no look-up of its chip).
MATCH (a:Input)-[r:GOES_INTO|TYPE_OF]->(b:Input)
WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
RETURN a.id AS a, b.id AS b, null AS chip
UNION ALL
MATCH (c:Chip)-[r:REQUIRES]->(i:Input)
WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
RETURN i.id AS a, c.id AS b, coalesce(c.name, c.id) AS chip
