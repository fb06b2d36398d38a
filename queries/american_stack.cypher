// The American stack: US-headquartered firms of the stack kinds ($kinds), valid on $as_of.
MATCH (f:Firm)-[h:HEADQUARTERED_IN]->(:Country {id: 'USA'})
WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
  AND any(k IN coalesce(f.kind, []) WHERE k IN $kinds)
RETURN f.id AS id, coalesce(f.name, f.id) AS name, coalesce(f.kind, []) AS kinds
ORDER BY id
