// Entities by id, for the API's node(id) and DataLoaders: one round trip per batch.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN id, properties(n) AS props, [l IN labels(n) WHERE l <> 'Entity'][0] AS label
