// All simple paths (no node twice) between two entities, either direction, over
// relationships of $types (null: any type) valid on $as_of, shortest first.
// The hop bound {1,8} is narrowed by the code.
MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
MATCH p = (a) (()-[r]-()
    WHERE ($types IS NULL OR type(r) IN $types)
      AND (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  ){1,8} (b)
WHERE all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
WITH p LIMIT $budget
WITH p ORDER BY length(p), [n IN nodes(p) | n.id], [r IN relationships(p) | type(r)]
LIMIT $limit
RETURN [n IN nodes(p) | {id: n.id, name: coalesce(n.name, n.id),
                         label: head([l IN labels(n) WHERE l <> 'Entity'])}] AS nodes,
       [r IN relationships(p) | {type: type(r), start: startNode(r).id,
                                 props: properties(r)}] AS rels
