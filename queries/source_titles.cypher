// Titles of the Source nodes an answer cites.
MATCH (s:Source) WHERE s.id IN $ids
RETURN s.id AS id, s.title AS title
