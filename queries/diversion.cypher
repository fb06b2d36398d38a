// Diversion risk: ranked paths from one item to destinations of concern.
// Parameters: $id (start item), $item (the chip id when the start is a Chip, else null:
// SHIPS_TO hops naming another item do not carry it), $as_of (date), $concern (ISO3
// codes of concern), $steps / $channels / $confidence / $control_share (the factor table,
// queries/factors.py), $budget (paths enumerated at most), $limit (paths returned).
// The hop bound {1,8} is narrowed by the code to the validated max_hops (a quantifier
// cannot be a parameter).
MATCH (s:Entity {id: $id})
CALL (s) {
MATCH p = (s) ((a)-[r:SHIPS_TO|HOSTS|OPERATES|OWNS|DESIGNS|FABRICATES|PACKAGES|DEVELOPS|TRAINED_ON|SERVES]-(b)
    WHERE $steps[type(r) + CASE WHEN startNode(r) = a THEN '>' ELSE '<' END] IS NOT NULL
      AND (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
      AND (type(r) <> 'OWNS' OR r.share >= $control_share OR r.kind = 'control' OR r.control)
      AND (type(r) <> 'SHIPS_TO' OR $item IS NULL OR coalesce(r.item, '') IN ['', $item])
  ){1,8} (d)
WHERE all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
WITH p, d,
     [(d)-[h:HEADQUARTERED_IN]->(c:Country)
        WHERE c.id IN $concern AND (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'headquartered in ' + c.id]
   + [(d)-[h:LOCATED_IN]->(c:Country)
        WHERE c.id IN $concern AND (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'located in ' + c.id]
   + [(d)-[h:LISTED_ON]->(l:ControlList)
        WHERE (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'listed on ' + coalesce(l.name, l.id)]
   + CASE WHEN d:Country AND d.id IN $concern THEN ['country of concern ' + d.id]
          ELSE [] END AS reasons
WHERE size(reasons) > 0
  // a path stops at the first destination it reaches
  AND none(n IN nodes(p)[1..-1] WHERE
        (n:Country AND n.id IN $concern)
     OR EXISTS { (n)-[h:HEADQUARTERED_IN|LOCATED_IN]->(c:Country)
                 WHERE c.id IN $concern AND (h.since IS NULL OR h.since <= $as_of)
                   AND (h.until IS NULL OR h.until >= $as_of) }
     OR EXISTS { (n)-[h:LISTED_ON]->(:ControlList)
                 WHERE (h.since IS NULL OR h.since <= $as_of)
                   AND (h.until IS NULL OR h.until >= $as_of) })
WITH p, d, reasons LIMIT $budget
WITH p, d, reasons, nodes(p) AS ns, relationships(p) AS rs
WITH p, d, reasons, ns, rs,
     reduce(score = 1.0, i IN range(0, size(rs) - 1) |
       score * $steps[type(rs[i]) + CASE WHEN startNode(rs[i]) = ns[i] THEN '>' ELSE '<' END]
             * CASE WHEN type(rs[i]) = 'SHIPS_TO'
                    THEN coalesce($channels[coalesce(rs[i].channel, '')], 1.0) ELSE 1.0 END
             * coalesce($confidence[coalesce(rs[i].confidence, 'low')], $confidence['low'])
     ) AS score
ORDER BY score DESC, size(rs) ASC, [n IN ns | n.id] ASC
RETURN collect({
  score: score,
  reasons: reasons,
  nodes: [n IN ns | {id: n.id, name: coalesce(n.name, n.id),
                     label: head([l IN labels(n) WHERE l <> 'Entity'])}],
  rels: [r IN rs | {type: type(r), start: startNode(r).id, props: properties(r)}]
}) AS rows
}
WITH s, size(rows) AS total, rows[..$limit] AS top
WITH s, total, top,
     reduce(acc = [], row IN top | acc + reduce(ids = [], r IN row.rels |
       ids + coalesce(r.props.sources, []))) AS sids
RETURN s.id AS id, coalesce(s.name, s.id) AS name, labels(s) AS labels,
     // the origin as license_item.cypher reads an item (its license views need no read)
     properties(s) AS props,
     [(s)-[:HAS_VALUE]->(v:Value) | {property: v.property, value: v.value, since: v.since,
                                     until: v.until}] AS entries,
     // why the origin itself is a destination of concern (empty: it is not)
     [(s)-[h:HEADQUARTERED_IN]->(c:Country)
        WHERE c.id IN $concern AND (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'headquartered in ' + c.id]
   + [(s)-[h:LOCATED_IN]->(c:Country)
        WHERE c.id IN $concern AND (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'located in ' + c.id]
   + [(s)-[h:LISTED_ON]->(l:ControlList)
        WHERE (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'listed on ' + coalesce(l.name, l.id)]
     AS origin_reasons,
     total, top AS paths,
     COLLECT { UNWIND sids AS sid MATCH (x:Source {id: sid})
               RETURN DISTINCT [x.id, x.title] } AS titles
