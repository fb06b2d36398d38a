// Every country with its US EAR country groups (to resolve a scenario's tiers), as one
// row: the driver decodes each row as a message of its own (~50 µs), 250 of them cost
// more than the query.
MATCH (c:Country)
RETURN collect({iso3: c.id, groups: coalesce(c.bis_country_groups, [])}) AS countries
