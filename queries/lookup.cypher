// One entity by id: its id, name and labels.
MATCH (n:Entity {id: $id})
RETURN n.id AS id, coalesce(n.name, n.id) AS name, labels(n) AS labels
LIMIT 1
