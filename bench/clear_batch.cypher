// Delete up to $limit nodes (with their relationships) in one transaction; the bench
// calls it until it returns 0, so no single transaction outgrows the heap.
MATCH (n)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
