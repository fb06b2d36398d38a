// Create one batch of relationships of one type known to be new: no row's identity was
// sent before in this load, and the type held, when this transaction read its count
// (count_type.cypher), exactly the relationships this load created (ingest/loader.py,
// "create path"). The caller puts in {{type}} a type checked against the schema registry
// and in {{sets}} one `r.<key> = row[i]` per property the schema declares for the type
// (names from the registry, values only from $rows). row = [source, target, sources, value
// of each declared property in {{sets}} order]: a list, not a map — Neo4j unpacks a
// 10,000-row list of lists in about a third of the time of the same rows as maps
// (BENCHMARKS.md, "Ingest").
// The ends placeholder below finds the two endpoints of a row: `ends_by_id.cypher` by the
// `Entity(id)` index (row[0], row[1] are ids), or `ends_by_node.cypher` by element id
// for nodes this load created (row[0], row[1] are element ids, row[3], row[4] the ids to
// check, and the property values then start at row[5]). Rows whose endpoints are missing
// drop out, as in merge_rels.cypher; the stored relationship is exactly what
// merge_rels.cypher would create (a null is no property).
// Why (BENCHMARKS.md, "Ingest"): a plain CREATE costs Neo4j about a third of the merge
// query's read-compare-split per relationship; on a first load every row is new.
// replan=skip: the plan of this query does not depend on the graph's statistics, which
// a load changes from nothing to millions (and a delete back): a replan would cost
// tens of milliseconds of planning, each time (BENCHMARKS.md, "Ingest").
CYPHER replan=skip
UNWIND $rows AS row
{{ends}}
CREATE (a)-[r:{{type}}]->(b)
SET r.sources = row[2]{{sets}}
RETURN count(r) AS created
