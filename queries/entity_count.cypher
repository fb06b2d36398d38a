// How many entities of a label pass the same filters as entity_page (a count, no nodes
// are returned).
MATCH (n:{{label}})
WHERE ($kind IS NULL OR n.kind = $kind
       OR (valueType(n.kind) STARTS WITH 'LIST' AND $kind IN n.kind))
  AND ($status IS NULL OR n.status = $status)
  AND ($name IS NULL OR toLower(n.name) CONTAINS toLower($name))
  AND ($country IS NULL OR n.id = $country
       OR EXISTS { (n)-[:HEADQUARTERED_IN|LOCATED_IN]->(:Country {id: $country}) })
  AND ($listed IS NULL OR EXISTS { (n)-[:LISTED_ON]->(:ControlList) } = $listed)
RETURN count(n) AS total
