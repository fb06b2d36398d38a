// Outgoing relationships of one type from a batch of entities (DataLoader batch).
// $type is checked against the schema registry before it is passed.
UNWIND $ids AS id
MATCH (a:Entity {id: id})-[r:{{type}}]->(b)
RETURN id, properties(r) AS rel, properties(b) AS props,
       [l IN labels(b) WHERE l <> 'Entity'][0] AS label
ORDER BY id, b.name
