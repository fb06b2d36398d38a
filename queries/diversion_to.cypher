// Inverse diversion: every chip, model, data center and firm that can reach a country.
// The country's destinations: the Country itself, firms headquartered in it, data centers
// located in it (relationships valid on $as_of). A path stops at the first node in the
// country; items already in the country are not listed. Parameters: $country, $as_of,
// $steps / $channels / $confidence / $control_share (queries/factors.py), $budget, $limit.
// The hop bound {1,8} is narrowed by the code to the validated max_hops.
MATCH (c:Country {id: $country})
CALL (c) {
  OPTIONAL MATCH (x)-[h:HEADQUARTERED_IN|LOCATED_IN]->(c)
  WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
  RETURN collect(x) + [c] AS inside
}
UNWIND inside AS d
MATCH p = (s) ((a)-[r:SHIPS_TO|HOSTS|OPERATES|OWNS|DESIGNS|FABRICATES|PACKAGES|DEVELOPS|TRAINED_ON|SERVES]-(b)
    WHERE $steps[type(r) + CASE WHEN startNode(r) = a THEN '>' ELSE '<' END] IS NOT NULL
      AND (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
      AND (type(r) <> 'OWNS' OR r.share >= $control_share OR r.kind = 'control' OR r.control)
  ){1,8} (d)
WHERE (s:Chip OR s:Model OR s:DataCenter OR s:Firm)
  AND NOT s IN inside
  AND none(n IN nodes(p)[1..-1] WHERE n IN inside)
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
  AND all(r IN relationships(p) WHERE type(r) <> 'SHIPS_TO' OR NOT s:Chip
          OR coalesce(r.item, '') IN ['', s.id])
WITH s, p, d LIMIT $budget
WITH collect({s: s, p: p, d: d}) AS found
UNWIND found AS f
WITH size(found) AS scanned, f.s AS s, f.d AS d, nodes(f.p) AS ns, relationships(f.p) AS rs
WITH scanned, s, d, ns, rs,
     reduce(score = 1.0, i IN range(0, size(rs) - 1) |
       score * $steps[type(rs[i]) + CASE WHEN startNode(rs[i]) = ns[i] THEN '>' ELSE '<' END]
             * CASE WHEN type(rs[i]) = 'SHIPS_TO'
                    THEN coalesce($channels[coalesce(rs[i].channel, '')], 1.0) ELSE 1.0 END
             * coalesce($confidence[coalesce(rs[i].confidence, 'low')], $confidence['low'])
     ) AS score
ORDER BY score DESC, size(rs) ASC, [n IN ns | n.id] ASC
WITH scanned, s, head(collect({
  score: score,
  reasons: CASE WHEN d:Country THEN ['country ' + d.id]
                WHEN d:DataCenter THEN ['located in ' + $country]
                ELSE ['headquartered in ' + $country] END,
  nodes: [n IN ns | {id: n.id, name: coalesce(n.name, n.id),
                     label: head([l IN labels(n) WHERE l <> 'Entity'])}],
  rels: [r IN rs | {type: type(r), start: startNode(r).id, props: properties(r)}]
})) AS best
ORDER BY best.score DESC, size(best.rels) ASC, best.nodes[0].id ASC
RETURN scanned, count(best) AS total, collect(best)[..$limit] AS items
