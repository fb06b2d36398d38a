// The supply index of queries/summaries.py, valid on $as_of, as one row: every SUPPLIES
// relationship into an input as [provider id, input id, share or null]; every Country id;
// per firm its headquarters country (the first valid one);
// every valid [firm id, country id] HEADQUARTERED_IN pair.
RETURN COLLECT {
  MATCH (p)-[s:SUPPLIES]->(i:Input)
  WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  RETURN [p.id, i.id, s.share]
} AS supplies,
COLLECT { MATCH (c:Country) RETURN c.id } AS countries,
COLLECT {
  MATCH (f:Firm)
  WITH f, head(COLLECT {
    MATCH (f)-[h:HEADQUARTERED_IN]->(c:Country)
    WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
    RETURN c.id }) AS hq
  WHERE hq IS NOT NULL
  RETURN [f.id, hq]
} AS hq,
COLLECT {
  MATCH (f:Firm)-[h:HEADQUARTERED_IN]->(c:Country)
  WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
  RETURN [f.id, c.id]
} AS located
