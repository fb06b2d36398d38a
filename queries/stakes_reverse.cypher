// Foreign firms (headquartered outside the USA, valid on $as_of) reachable by an OWNS
// path of 1..6 hops from an American owner (the USA itself or a US-headquartered firm).
// The hop bound {1,6} is narrowed by the code to the requested depth.
MATCH (us:Country {id: 'USA'})
CALL (us) {
  OPTIONAL MATCH (f)-[h:HEADQUARTERED_IN]->(us)
  WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
  RETURN collect(f) + [us] AS americans
}
UNWIND americans AS x
MATCH (x) ((a)-[r:OWNS]->(b)
    WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  ){1,6} (t:Firm)
WHERE EXISTS { (t)-[h:HEADQUARTERED_IN]->(c:Country)
               WHERE c.id <> 'USA' AND (h.since IS NULL OR h.since <= $as_of)
                 AND (h.until IS NULL OR h.until >= $as_of) }
RETURN DISTINCT t.id AS id
ORDER BY id
