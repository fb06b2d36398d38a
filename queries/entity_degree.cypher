// Nodes and relationships of the whole graph (both from the count store): the mean
// out-degree the API uses to budget path questions.
MATCH (n) WITH count(n) AS nodes
MATCH ()-[r]->()
RETURN nodes, count(r) AS rels
