// Ownership paths into one firm: every simple OWNS path of 1..6 hops (valid on $as_of)
// from any owner down to $id, with the shares on the way (null: not reported).
// The hop bound {1,6} is narrowed by the code to the requested depth.
MATCH (t:Firm {id: $id})
MATCH p = (x) ((a)-[r:OWNS]->(b)
    WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  ){1,6} (t)
WHERE all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
RETURN [n IN nodes(p) | {id: n.id, name: coalesce(n.name, n.id),
                         label: head([l IN labels(n) WHERE l <> 'Entity'])}] AS nodes,
       [r IN relationships(p) | {type: type(r), start: startNode(r).id,
                                 props: properties(r)}] AS rels
