// Every country with its US EAR country groups, as one row (the driver decodes each row
// as a message of its own, ~50 µs; 250 of them cost more than the query): the plain
// property (the groups in force today) and, where the loader keeps their history (dated
// values, DESIGN.md §4), every dated entry, so the code reads the groups as of a
// question's day (graph.dated contract). Kept per graph version by queries/countries.py.
MATCH (c:Country)
RETURN collect({
  iso3: c.id, groups: coalesce(c.bis_country_groups, []),
  entries: [(c)-[:HAS_VALUE]->(v) WHERE v.property = 'bis_country_groups'
            | {value: v.value, since: v.since, until: v.until}]
}) AS countries
