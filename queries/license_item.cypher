// The item of a license question: a Chip or a Model with every property (the rules compare
// tpp, performance_density, memory_bandwidth_gbs, training_compute_flop, open_weights) and
// the histories of its dated properties (a model's openness), read as of the day in code.
// $ids: the items of one answer, read together (one row each that exists).
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, coalesce(n.name, n.id) AS name, labels(n) AS labels,
       properties(n) AS props,
       [(n)-[:HAS_VALUE]->(v:Value) | {property: v.property, value: v.value, since: v.since,
                                       until: v.until}] AS entries
