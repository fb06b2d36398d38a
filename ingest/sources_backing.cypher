// Which of these Source ids back some fact or node that does not cite $source: a source
// of another dataset or of the curated data (ingest/refresh.py), not one of $source's own
// (such as the per-row URLs a dataset cites beside its own Source).
UNWIND $ids AS s
RETURN s AS id,
       EXISTS { MATCH ()-[x]->() WHERE s IN x.sources AND NOT $source IN x.sources }
       OR EXISTS { MATCH (n:Entity) WHERE s IN n.sources
                   AND NOT $source IN coalesce(n.sources, []) } AS other
