// Ownership chains through one entity: `up` are its owners (and their owners), `down`
// what it owns (and what those own), each chain with the share of every hop, up to 4 hops.
MATCH (n:Entity {id: $id})
OPTIONAL MATCH up = (o:Entity)-[:OWNS*1..4]->(n)
WITH n, collect(DISTINCT up)[..$limit] AS ups
OPTIONAL MATCH down = (n)-[:OWNS*1..4]->(h:Entity)
WITH n, ups, collect(DISTINCT down)[..$limit] AS downs
RETURN
  [p IN ups | {nodes: [x IN nodes(p) | {id: x.id, name: coalesce(x.name, x.id),
                                         labels: labels(x)}],
               rels: [r IN relationships(p) | properties(r)]}] AS up,
  [p IN downs | {nodes: [x IN nodes(p) | {id: x.id, name: coalesce(x.name, x.id),
                                           labels: labels(x)}],
                 rels: [r IN relationships(p) | properties(r)]}] AS down
