// Every chip's id, name, aliases, sources and other values: the index chip names from
// datasets are matched on (ingest/chipnames.py).
MATCH (c:Chip)
RETURN c.id AS id, c.name AS name, c.aliases AS aliases, c.sources AS sources,
       properties(c) AS props
