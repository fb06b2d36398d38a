// Providers of supply-chain inputs with their shares (percent of world market, null when
// unreported) and, for firms, their headquarters country; relationships valid on $as_of.
// $ids: the inputs to read, or null for every input.
MATCH (i:Input)
WHERE $ids IS NULL OR i.id IN $ids
OPTIONAL MATCH (p)-[s:SUPPLIES]->(i)
WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
WITH i, p, s
ORDER BY p.id
WITH i, collect(CASE WHEN p IS NULL THEN null ELSE {
  id: p.id, name: coalesce(p.name, p.id), share: s.share,
  label: CASE WHEN p:Country THEN 'Country' ELSE 'Firm' END,
  country: CASE WHEN p:Country THEN p.id ELSE
    head([(p)-[h:HEADQUARTERED_IN]->(c:Country)
          WHERE (h.since IS NULL OR h.since <= $as_of)
            AND (h.until IS NULL OR h.until >= $as_of) | c.id]) END
} END) AS providers
RETURN i.id AS id, coalesce(i.name, i.id) AS name, providers
ORDER BY id
