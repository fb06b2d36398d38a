// Everything about one entity (`stackgraph show`, the /entity page): its properties, its
// dated values, and every relationship with the entity at the other end, either way.
// Value nodes (HAS_VALUE) are the history of dated properties, listed under `values`.
MATCH (n:Entity {id: $id})
OPTIONAL MATCH (n)-[r]-(m)
WHERE NOT type(r) = 'HAS_VALUE'
WITH n, collect(CASE WHEN r IS NULL THEN null ELSE
       {type: type(r), outgoing: startNode(r) = n, props: properties(r),
        other: {id: m.id, name: coalesce(m.name, m.id), labels: labels(m)}} END) AS rels
OPTIONAL MATCH (n)-[:HAS_VALUE]->(v)
WITH n, rels, collect(properties(v)) AS values
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props, rels, values
