// How many relationships a type holds (from the count store: constant time), read by the
// loader's create path before each create query (ingest/loader.py): the type must hold
// exactly what this load created, or another writer has been at it and the batch merges
// instead. The caller puts in {{type}} a type checked against the schema registry.
// replan=skip: the plan of this query does not depend on the graph's statistics, which
// a load changes from nothing to millions (and a delete back): a replan would cost
// tens of milliseconds of planning, each time (BENCHMARKS.md, "Ingest").
CYPHER replan=skip
MATCH ()-[x:{{type}}]->()
RETURN count(x) AS present
