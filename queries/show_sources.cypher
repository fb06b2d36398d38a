// The Source nodes an entity's facts cite: what `stackgraph show` lists under sources.
MATCH (s:Source) WHERE s.id IN $ids
RETURN s.id AS id, s.title AS title, s.publisher AS publisher, s.published AS published,
       s.url AS url, s.license AS license
ORDER BY s.id
