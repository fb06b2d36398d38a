// Far nodes of a page's node n over outgoing relationships, as lists of the values of
// the keys parameter named at {{keys}}, in name order.
COLLECT { MATCH (n)-[:{{type}}]->(b) RETURN [k IN ${{keys}} | b[k]] AS x ORDER BY b.name }
