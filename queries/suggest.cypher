// Entities whose name or alias resembles $q (fuzzy full-text), best first.
CALL db.index.fulltext.queryNodes('entity_names', $q) YIELD node, score
RETURN node.id AS id, node.name AS name, labels(node) AS labels, score
ORDER BY score DESC
LIMIT $limit
