// The ids of every entity carrying one of $labels (the labels a question expects):
// the candidates of "did you mean" when an id is unknown.
MATCH (n:Entity)
WHERE any(l IN labels(n) WHERE l IN $labels)
RETURN n.id AS id
