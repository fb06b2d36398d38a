// A page of entities of one label in id order (keyset: id > $after), projected to the
// property values a compiled GraphQL selection reads (api/graphql/compiled.py), as ONE
// row: `page` is the list of [id, values of $keys, relationship column...] per node (one
// Bolt record instead of one per node: the Python driver's per-record cost was most of
// the read). The API adds, at {{relationships}}, one column per relationship field
// (entity_projection_out / entity_projection_in). Same match, cursor and neighbour order
// (by name) as entity_page_all, so the answers are the same; `total` is what
// entity_count gives without filters.
MATCH (n:{{label}})
WHERE n.id > coalesce($after, '')
WITH n ORDER BY n.id LIMIT $limit
WITH n, [n.id, [k IN $keys | n[k]]{{relationships}}
         ] AS row
ORDER BY n.id
WITH collect(row) AS page
// the number of entities of the label (a GraphQL totalCount: a page has no filters here),
// from the count store
CALL () { MATCH (m:{{label}}) RETURN count(m) AS total }
RETURN page, total
