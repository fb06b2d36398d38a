// The facts already stored about the entities a load joins records into: a duplicate's
// copy of one of them adds its sources but does not overwrite the stored values
// (ingest/resolution.py).
UNWIND $ids AS id
MATCH (a:Entity {id: id})-[r]-(b:Entity)
RETURN DISTINCT type(r) AS type, startNode(r).id AS source, endNode(r).id AS target,
       properties(r) AS props
