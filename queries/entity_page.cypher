// One page of entities of a label, ordered by id (keyset pagination: id > $after),
// filtered on the main properties; every filter is optional (null = no filter).
// The API may add, at {{relationships}}, the page's relationships (entity_page_out /
// entity_page_in), so a page and its nested lists come back in one round trip.
// The cursor as `n.id > coalesce($after, '')` (every id is non-empty): an index range
// seek in id order, see entity_page_all.
MATCH (n:{{label}})
WHERE n.id > coalesce($after, '')
  AND ($kind IS NULL OR n.kind = $kind
       OR (valueType(n.kind) STARTS WITH 'LIST' AND $kind IN n.kind))
  AND ($status IS NULL OR n.status = $status)
  AND ($name IS NULL OR toLower(n.name) CONTAINS toLower($name))
  AND ($country IS NULL OR n.id = $country
       OR EXISTS { (n)-[:HEADQUARTERED_IN|LOCATED_IN]->(:Country {id: $country}) })
  AND ($listed IS NULL OR EXISTS { (n)-[:LISTED_ON]->(:ControlList) } = $listed)
WITH n ORDER BY n.id LIMIT $limit
RETURN n.id AS id, {{props}} AS props{{relationships}}
ORDER BY id
