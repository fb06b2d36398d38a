// One page of entities of a label, ordered by id, without filters (the common case: a
// plain scan of the label's id index). Same columns and marker as entity_page.
MATCH (n:$($label))
WHERE $after IS NULL OR n.id > $after
WITH n ORDER BY n.id LIMIT $limit
RETURN n.id AS id, properties(n) AS props
       // relationships
ORDER BY id
