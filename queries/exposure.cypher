// Consortium rows for the exposure dashboard: members (with headquarters country and
// control listings) and included items by layer with their countries of origin (chip:
// designer's headquarters; model: developer's; data center: its location and its
// operator's headquarters; firm: its headquarters). Relationships valid on $as_of.
// $id: one consortium, or null for all.
MATCH (k:Consortium)
WHERE $id IS NULL OR k.id = $id
CALL (k) {
  OPTIONAL MATCH (m)-[r:MEMBER_OF]->(k)
  WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  WITH m, r WHERE m IS NOT NULL
  RETURN collect({
    id: m.id, name: coalesce(m.name, m.id), label: CASE WHEN m:Country THEN 'Country' ELSE 'Firm' END,
    role: r.role, stake: r.stake,
    country: CASE WHEN m:Country THEN m.id ELSE
      head([(m)-[h:HEADQUARTERED_IN]->(c:Country)
            WHERE (h.since IS NULL OR h.since <= $as_of)
              AND (h.until IS NULL OR h.until >= $as_of) | c.id]) END,
    lists: [(m)-[l:LISTED_ON]->(cl:ControlList)
            WHERE (l.since IS NULL OR l.since <= $as_of)
              AND (l.until IS NULL OR l.until >= $as_of)
            | {id: cl.id, name: coalesce(cl.name, cl.id), label: 'ControlList'}]
  }) AS members
}
CALL (k) {
  OPTIONAL MATCH (k)-[r:INCLUDES]->(x)
  WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  WITH x, r WHERE x IS NOT NULL
  WITH x, r,
       [(f:Firm)-[d:DESIGNS|DEVELOPS|OPERATES]->(x)
          WHERE (d.since IS NULL OR d.since <= $as_of) AND (d.until IS NULL OR d.until >= $as_of)
          | head([(f)-[h:HEADQUARTERED_IN]->(c:Country)
                  WHERE (h.since IS NULL OR h.since <= $as_of)
                    AND (h.until IS NULL OR h.until >= $as_of) | c.id])] AS maker_countries,
       [(x)-[h:HEADQUARTERED_IN|LOCATED_IN]->(c:Country)
          WHERE (h.since IS NULL OR h.since <= $as_of)
            AND (h.until IS NULL OR h.until >= $as_of) | c.id] AS own_countries
  ORDER BY r.layer, x.id
  RETURN collect({
    layer: r.layer, id: x.id, name: coalesce(x.name, x.id),
    label: head([l IN labels(x) WHERE l <> 'Entity']),
    countries: own_countries + maker_countries,
    // a chip as license_item.cypher reads an item (the license views need no read)
    item: CASE WHEN x:Chip THEN {
      id: x.id, name: coalesce(x.name, x.id), labels: labels(x), props: properties(x),
      entries: [(x)-[:HAS_VALUE]->(v:Value) | {property: v.property, value: v.value,
                                               since: v.since, until: v.until}]} END
  }) AS items
}
RETURN k.id AS id, coalesce(k.name, k.id) AS name, k.kind AS kind, members, items
ORDER BY id
