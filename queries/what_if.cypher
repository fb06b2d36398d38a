// What-if: remove the countries $countries (with every firm headquartered in them) and the
// firms $firms. For every input that loses a provider: the percent of world supply lost in
// the country view (removed countries' shares, plus removed firms' shares taken from their
// headquarters country's figure, capped at it; firm-only inputs: the firm view), the
// percent lost among firm providers, the country-view total, and whether every provider is
// gone. Relationships valid on $as_of; unreported shares count as 0.
MATCH (x:Entity) WHERE x.id IN $countries + $firms
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
WITH DISTINCT i
CALL (i) {
  MATCH (p)-[s:SUPPLIES]->(i)
  WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  WITH p, coalesce(s.share, 0.0) AS share, p:Country AS is_country
  WITH p, share, is_country,
       CASE WHEN is_country THEN p.id ELSE head(COLLECT {
         MATCH (p)-[h:HEADQUARTERED_IN]->(c:Country)
         WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
         RETURN c.id }) END AS country
  RETURN collect({id: p.id, is_country: is_country, share: share, country: country,
                  gone: CASE WHEN is_country THEN p.id IN $countries
                             ELSE p.id IN $firms OR coalesce(country IN $countries, false)
                        END}) AS ps
}
WITH i, ps, [x IN ps WHERE x.is_country] AS cps, [x IN ps WHERE NOT x.is_country] AS fps
WITH i, ps, cps, fps,
     reduce(a = 0.0, x IN fps | a + CASE WHEN x.gone THEN x.share ELSE 0.0 END) AS firm_lost
WITH i, ps, cps, fps, firm_lost,
     CASE WHEN size(cps) > 0 THEN
       reduce(a = 0.0, c IN cps | a + CASE WHEN c.id IN $countries THEN c.share ELSE
         CASE WHEN c.share < reduce(b = 0.0, f IN fps | b + CASE
                WHEN f.id IN $firms AND f.country = c.id THEN f.share ELSE 0.0 END)
              THEN c.share
              ELSE reduce(b = 0.0, f IN fps | b + CASE
                WHEN f.id IN $firms AND f.country = c.id THEN f.share ELSE 0.0 END) END END)
     ELSE firm_lost END AS lost,
     CASE WHEN size(cps) > 0 THEN reduce(a = 0.0, c IN cps | a + c.share)
          ELSE reduce(a = 0.0, f IN fps | a + f.share) END AS total
RETURN i.id AS id, coalesce(i.name, i.id) AS name, lost, firm_lost, total,
       size(ps) > 0 AND all(x IN ps WHERE x.gone) AS all_lost
