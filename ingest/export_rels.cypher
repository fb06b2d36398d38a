// Every relationship between entities with its ends' ids and labels (APOC export lines).
MATCH (a:Entity)-[r]->(b:Entity)
RETURN elementId(r) AS rid, type(r) AS type, a.id AS start, labels(a) AS slabels,
       b.id AS end, labels(b) AS elabels, properties(r) AS props
