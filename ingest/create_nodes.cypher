// Create one batch of nodes of one label known to be new: no row's id was sent before in
// this load, and the label held, when this transaction read its count (count_label.cypher),
// exactly the nodes this load created (ingest/loader.py, "create path"). The caller puts in
// {{label}} a label checked against the schema registry and in {{sets}} one `n.<key> =
// row[i]` per property the schema declares for the label (names from the registry, values
// only from $rows). row = [id, sources or null, aliases or null, value of each declared
// property in {{sets}} order]: a list, not a map — Neo4j unpacks a 10,000-row list of lists
// in about a third of the time of the same rows as maps (BENCHMARKS.md, "Ingest").
// The stored node is exactly what merge_nodes.cypher would create (a null is no property).
// `ids` pairs each id with its element id, so this load's relationships can find their
// endpoints without the index (ends_by_node.cypher).
// replan=skip: the plan of this query does not depend on the graph's statistics, which
// a load changes from nothing to millions (and a delete back): a replan would cost
// tens of milliseconds of planning, each time (BENCHMARKS.md, "Ingest").
CYPHER replan=skip
UNWIND $rows AS row
CREATE (n:{{label}}:Entity)
SET n.id = row[0], n.sources = row[1], n.aliases = row[2]{{sets}}
RETURN count(n) AS created, collect([row[0], elementId(n)]) AS ids
