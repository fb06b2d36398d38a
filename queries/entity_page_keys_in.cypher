// Incoming relationships of a page's node n, only the properties named in $keys (see
// entity_page_keys_out).
COLLECT { MATCH (n)<-[r:{{type}}]-(b)
          RETURN [[k IN $keys | r[k]], [k IN $keys | b[k]],
                  [l IN labels(b) WHERE l <> 'Entity'][0]] AS x ORDER BY b.name }
