// How many nodes a label holds (from the count store: constant time), read by the loader's
// create path before each create query (ingest/loader.py): the label must hold exactly
// what this load created, or another writer has been at it and the batch merges instead.
// The caller puts in {{label}} a label checked against the schema registry.
// replan=skip: the plan of this query does not depend on the graph's statistics, which
// a load changes from nothing to millions (and a delete back): a replan would cost
// tens of milliseconds of planning, each time (BENCHMARKS.md, "Ingest").
CYPHER replan=skip
MATCH (x:{{label}})
RETURN count(x) AS present
