// The endpoints of a create-path row by element id (NodeByElementIdSeek, about a quarter
// cheaper per relationship than two Entity(id) index seeks; BENCHMARKS.md, "Ingest"):
// row[0], row[1] are the element ids Neo4j returned when this load created the nodes,
// row[3], row[4] their ids. The id check guards against an element id that another writer
// has freed and reused since: such a row finds no endpoint, and the loader then redoes the
// whole batch by index (ingest/loader.py).
MATCH (a) WHERE elementId(a) = row[0] AND a.id = row[3]
MATCH (b) WHERE elementId(b) = row[1] AND b.id = row[4]
