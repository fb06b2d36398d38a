// The endpoints of a create-path row by the Entity(id) index: row[0], row[1] are ids.
MATCH (a:Entity {id: row[0]})
MATCH (b:Entity {id: row[1]})
