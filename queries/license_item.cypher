// The item of a license question: a Chip or a Model with every property (the rules compare
// tpp, performance_density, memory_bandwidth_gbs, training_compute_flop, open_weights).
MATCH (n:Entity {id: $id})
RETURN n.id AS id, coalesce(n.name, n.id) AS name, labels(n) AS labels,
       properties(n) AS props
