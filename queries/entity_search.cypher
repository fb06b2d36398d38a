// Full-text search over names and aliases of every entity (index entity_names).
CALL db.index.fulltext.queryNodes('entity_names', $text) YIELD node, score
WHERE $label IS NULL OR $label IN labels(node)
RETURN node.id AS id, properties(node) AS props,
       [l IN labels(node) WHERE l <> 'Entity'][0] AS label, score
ORDER BY score DESC, node.id
LIMIT $limit
