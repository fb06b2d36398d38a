// Every entity that resolution matches across sources (firms, models, chips, data
// centers): its id, label, name, aliases, the keys it holds and its sources. One read per
// load (ingest/resolution.py) and per `stackgraph resolve`.
MATCH (n:Entity)
WHERE n:Firm OR n:Model OR n:Chip OR n:DataCenter
RETURN n.id AS id, [l IN labels(n) WHERE l <> 'Entity'][0] AS label, n.name AS name,
       n.aliases AS aliases, keys(n) AS keys, n.sources AS sources, n.same_as AS same_as
