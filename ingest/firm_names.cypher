// Every firm's id, name and aliases: the index entity resolution matches dataset names on.
MATCH (f:Firm)
RETURN f.id AS id, f.name AS name, f.aliases AS aliases, f.sources AS sources
