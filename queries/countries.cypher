// Every country with its US EAR country groups (to resolve a scenario's tiers).
MATCH (c:Country)
RETURN c.id AS iso3, coalesce(c.bis_country_groups, []) AS groups
