// How many nodes a label holds (from the count store: constant time), read by the loader's
// create path before each create query (ingest/loader.py): the label must hold exactly
// what this load created, or another writer has been at it and the batch merges instead.
// The caller puts in {{label}} a label checked against the schema registry.
MATCH (x:{{label}})
RETURN count(x) AS present
