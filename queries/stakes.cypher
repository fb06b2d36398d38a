// Ownership of one firm: every simple OWNS path of 1..6 hops (valid on $as_of) from any
// owner down to $id, with the shares on the way (null: not reported); for each owner (and
// the target) its headquarters country (a Country: itself) and the shares its own
// recorded owners hold in it; the titles of the sources cited.
// The hop bound {1,6} is narrowed by the code to the requested depth.
MATCH (t:Entity {id: $id})
CALL (t) {
  MATCH p = (x) ((a)-[r:OWNS]->(b)
      WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
    ){1,6} (t)
  WHERE all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
  RETURN collect({
    nodes: [n IN nodes(p) | {id: n.id, name: coalesce(n.name, n.id),
                             label: head([l IN labels(n) WHERE l <> 'Entity'])}],
    rels: [r IN relationships(p) | {type: type(r), start: startNode(r).id,
                                    props: properties(r)}]
  }) AS paths, collect(DISTINCT x) AS owners
}
WITH t, paths, owners,
     reduce(acc = [], row IN paths | acc + reduce(ids = [], r IN row.rels |
       ids + coalesce(r.props.sources, []))) AS sids
RETURN t.id AS id, coalesce(t.name, t.id) AS name, labels(t) AS labels, paths,
       [o IN owners + [t] | {
          id: o.id,
          country: CASE WHEN o:Country THEN o.id ELSE
            head([(o)-[h:HEADQUARTERED_IN]->(c:Country)
                  WHERE (h.since IS NULL OR h.since <= $as_of)
                    AND (h.until IS NULL OR h.until >= $as_of) | c.id]) END,
          owner_shares: [(w)-[r:OWNS]->(o)
                         WHERE (r.since IS NULL OR r.since <= $as_of)
                           AND (r.until IS NULL OR r.until >= $as_of) | r.share]
       }] AS info,
       COLLECT { UNWIND sids AS sid MATCH (x:Source {id: sid})
                 RETURN DISTINCT [x.id, x.title] } AS titles
