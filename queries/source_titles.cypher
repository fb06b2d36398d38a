// Titles of the Source nodes an answer cites, as one row (a map id -> title).
MATCH (s:Source) WHERE s.id IN $ids
RETURN collect([s.id, s.title]) AS sources
