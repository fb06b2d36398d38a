// EAR country groups of the countries $ids: the plain property (the groups in force today)
// and, where the loader keeps their history (dated values, DESIGN.md §4), every dated
// entry, so the code reads the groups as of the question's day (graph.dated contract).
UNWIND $ids AS id
MATCH (c:Country {id: id})
RETURN c.id AS iso3, coalesce(c.bis_country_groups, []) AS groups,
       [(c)-[:HAS_VALUE]->(v) WHERE v.property = 'bis_country_groups'
        | {value: v.value, since: v.since, until: v.until}] AS entries
