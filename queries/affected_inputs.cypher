// Inputs that lose a provider when $removed (country ISO3 codes and firm ids) are taken
// out: supplied by one of them, or by a firm headquartered in a removed country.
MATCH (x:Entity) WHERE x.id IN $removed
CALL (x) {
  MATCH (x)-[s:SUPPLIES]->(i:Input)
  WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  RETURN i
  UNION
  MATCH (f:Firm)-[h:HEADQUARTERED_IN]->(x:Country)
  WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
  MATCH (f)-[s:SUPPLIES]->(i:Input)
  WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  RETURN i
}
RETURN collect(DISTINCT i.id) AS ids
