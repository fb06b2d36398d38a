// What-if: remove the countries $countries (with every firm headquartered in them) and the
// firms $firms. For every input that loses a provider (restricted to $within unless null):
// the percent of world supply lost in the country view (removed countries' shares, plus
// removed firms' shares taken from their headquarters country's figure, capped at it;
// inputs without country providers: the firm view), the percent lost among firm
// providers, the country-view total, and whether every provider is gone. Relationships
// valid on $as_of; unreported shares count as 0.
// Returns one row: the exact totals over every affected input, the ids of the inputs that
// lost every provider, and the $limit largest losses (null: all), ordered by share lost,
// firm share lost (both rounded to 6 places), id.
// Speed (a removal can touch most inputs): the removed supply relationships (`gone`) are
// found once and carry the lost shares; per input, only existence checks that stop at the
// first match (a country provider? a provider left?); totals only for the listed inputs.
MATCH (x:Entity) WHERE x.id IN $countries + $firms
CALL (x) {
  MATCH (x)-[s:SUPPLIES]->(i:Input)
  WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  RETURN i, s, x:Country AS is_country,
         CASE WHEN x:Firm THEN head(COLLECT {
           MATCH (x)-[h:HEADQUARTERED_IN]->(c:Country)
           WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
           RETURN c.id }) END AS country
  UNION
  MATCH (f:Firm)-[h:HEADQUARTERED_IN]->(x:Country)
  WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
  MATCH (f)-[s:SUPPLIES]->(i:Input)
  WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
  RETURN i, s, false AS is_country, x.id AS country
}
WITH i, s, is_country, head(collect(country)) AS country
WITH i, collect({s: s, share: coalesce(s.share, 0.0), is_country: is_country,
                 country: country, listed: NOT is_country AND startNode(s).id IN $firms})
     AS gone
WHERE $within IS NULL OR i.id IN $within
WITH i, gone, [g IN gone | g.s] AS gone_rels,
     reduce(a = 0.0, g IN gone | a + CASE WHEN g.is_country THEN g.share ELSE 0.0 END)
       AS c_lost,
     reduce(a = 0.0, g IN gone | a + CASE WHEN g.is_country THEN 0.0 ELSE g.share END)
       AS firm_lost
WITH i, gone, c_lost, firm_lost,
     CASE WHEN any(g IN gone WHERE g.is_country) THEN true ELSE EXISTS {
       MATCH (:Country)-[s:SUPPLIES]->(i)
       WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
     } END AS has_countries,
     NOT EXISTS {
       MATCH ()-[s:SUPPLIES]->(i)
       WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
         AND NOT s IN gone_rels
     } AS all_lost
// removed firms ($firms) of a country not removed: their shares, capped at the country's
WITH i, firm_lost, all_lost, has_countries,
     CASE WHEN NOT has_countries THEN firm_lost
          WHEN NOT any(g IN gone WHERE g.listed) THEN c_lost
          ELSE c_lost + reduce(a = 0.0, c IN COLLECT {
              MATCH (k:Country)-[s:SUPPLIES]->(i)
              WHERE (s.since IS NULL OR s.since <= $as_of)
                AND (s.until IS NULL OR s.until >= $as_of) AND NOT k.id IN $countries
              RETURN {id: k.id, share: coalesce(s.share, 0.0)} } | a +
            reduce(m = c.share, b IN [reduce(t = 0.0, g IN gone | t +
                CASE WHEN g.listed AND g.country = c.id THEN g.share ELSE 0.0 END)] |
              CASE WHEN b < m THEN b ELSE m END))
     END AS lost
ORDER BY round(lost, 6) DESC, round(firm_lost, 6) DESC, i.id
WITH collect({i: i, lost: lost, firm_lost: firm_lost, all_lost: all_lost,
              has_countries: has_countries}) AS rows
WITH size(rows) AS affected, reduce(a = 0.0, r IN rows | a + r.lost) AS lost_total,
     [r IN rows WHERE r.all_lost | r.i.id] AS all_lost_ids,
     CASE WHEN $limit IS NULL THEN rows ELSE rows[0..$limit] END AS top
CALL (top) {
  UNWIND range(0, size(top) - 1) AS k
  WITH k, top[k] AS r
  WITH k, r, r.i AS i
  CALL (i, r) {
    MATCH (p)-[s:SUPPLIES]->(i)
    WHERE (s.since IS NULL OR s.since <= $as_of) AND (s.until IS NULL OR s.until >= $as_of)
      AND (p:Country OR NOT r.has_countries)
    RETURN sum(coalesce(s.share, 0.0)) AS total
  }
  WITH k, {id: i.id, name: coalesce(i.name, i.id), lost: r.lost, firm_lost: r.firm_lost,
           total: total, all_lost: r.all_lost} AS row
  ORDER BY k
  RETURN collect(row) AS listed
}
RETURN affected, lost_total, all_lost_ids, listed AS top
