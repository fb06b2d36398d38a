// Outgoing relationships of a page's node n, only the properties named in $keys, as
// [relationship values, far node values, far node label] (values in $keys order; the
// API asks for the field names its query selects: fewer bytes, less to convert).
COLLECT { MATCH (n)-[r:{{type}}]->(b)
          RETURN [[k IN $keys | r[k]], [k IN $keys | b[k]],
                  [l IN labels(b) WHERE l <> 'Entity'][0]] AS x ORDER BY b.name }
