// Per input, the top country share that `chokepoints.concentration` would give it on
// $as_of, without its provider lists: the largest Country provider share when the input
// has a Country provider or a share given to unnamed countries / a region; otherwise the
// largest sum of firm shares per headquarters country (firms without one count nowhere).
// One row per input; the per-input summary of queries/summaries.py.
MATCH (i:Input)
WITH i, i.unattributed_country_share IS NOT NULL OR i.europe_share IS NOT NULL AS unattr
CALL (i) {
  OPTIONAL MATCH (c:Country)-[s:SUPPLIES]->(i)
  WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  RETURN count(c) AS countries, max(s.share) AS country_top
}
CALL (i, countries, unattr) {
  OPTIONAL MATCH (f)-[s:SUPPLIES]->(i)
  WHERE countries = 0 AND NOT unattr AND NOT f:Country AND s.share IS NOT NULL
    AND (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  WITH s, head(COLLECT { MATCH (:Firm {id: f.id})-[h:HEADQUARTERED_IN]->(c:Country)
                         WHERE (h.since IS NULL OR h.since <= $as_of)
                           AND (h.until IS NULL OR h.until >= $as_of)
                         RETURN c.id }) AS hq
  WITH hq, sum(s.share) AS total WHERE hq IS NOT NULL
  RETURN max(total) AS firm_top
}
RETURN i.id AS id, coalesce(i.name, i.id) AS name,
       CASE WHEN countries > 0 OR unattr THEN country_top ELSE firm_top END AS top
