// Shortest paths between two entities, either direction, over relationships of $types
// (null: any type) valid on $as_of. The hop bound {1,8} is narrowed by the code.
MATCH (a:Entity {id: $from}), (b:Entity {id: $to})
MATCH p = ALL SHORTEST (a) (()-[r]-()
    WHERE ($types IS NULL OR type(r) IN $types)
      AND (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
  ){1,8} (b)
// sorted before the limit, so the same question keeps the same answer
WITH p ORDER BY [n IN nodes(p) | n.id], [r IN relationships(p) | type(r)]
LIMIT $limit
RETURN [n IN nodes(p) | {id: n.id, name: coalesce(n.name, n.id),
                         label: head([l IN labels(n) WHERE l <> 'Entity'])}] AS nodes,
       [r IN relationships(p) | {type: type(r), start: startNode(r).id,
                                 props: properties(r)}] AS rels
