// Which of these ids already exist, and with which label (the one besides Entity)?
// One query per chunk of ids: validation never looks ids up one by one.
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, [l IN labels(n) WHERE l <> 'Entity'][0] AS label
