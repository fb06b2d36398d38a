// Far nodes of a page's node n over outgoing relationships, as lists of the values of
// the keys parameter named at the marker, in name order.
COLLECT { MATCH (n)-[:$($type)]->(b) RETURN [k IN $keys_ | b[k]] AS x ORDER BY b.name }
