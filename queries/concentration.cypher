// Providers of supply-chain inputs with their shares (percent of world market, null when
// unreported) and, for firms of inputs without country providers, their headquarters
// country; relationships valid on $as_of.
// Also the shares the data gives to no single provider (ETO's "Various countries" /
// "Various companies") or to a region as a whole (ETO's "EUR").
// $ids: the inputs to read, or null for every input.
UNWIND CASE WHEN $ids IS NULL THEN COLLECT { MATCH (x:Input) RETURN x.id } ELSE $ids END
  AS iid
MATCH (i:Input {id: iid})
CALL (i) {
  MATCH (p)-[s:SUPPLIES]->(i)
  WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  RETURN collect({p: p, share: s.share, is_country: p:Country}) AS raw
}
WITH i, raw, any(x IN raw WHERE x.is_country) AS by_countries
ORDER BY i.id
// one row (a list): the driver decodes each row as a message of its own
RETURN collect({id: i.id, name: coalesce(i.name, i.id), providers: [x IN raw | {
  id: x.p.id, name: coalesce(x.p.name, x.p.id), share: x.share,
  label: CASE WHEN x.is_country THEN 'Country' ELSE 'Firm' END,
  country: CASE WHEN x.is_country THEN x.p.id
                WHEN by_countries THEN null
                ELSE head(COLLECT { MATCH (f:Firm {id: x.p.id})-[h:HEADQUARTERED_IN]->(c:Country)
                                    WHERE (h.since IS NULL OR h.since <= $as_of)
                                      AND (h.until IS NULL OR h.until >= $as_of)
                                    RETURN c.id }) END
}],
  unattributed_country_share: i.unattributed_country_share,
  unattributed_firm_share: i.unattributed_firm_share, europe_share: i.europe_share}) AS inputs
