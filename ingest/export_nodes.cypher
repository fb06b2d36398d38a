// Every node with its labels and properties, in id order (the APOC export's node lines).
MATCH (n:Entity)
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props
ORDER BY n.id
