// Display names of the entities $ids (the few listed in an answer).
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN id, coalesce(n.name, id) AS name
