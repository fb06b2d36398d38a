// For each owner id: its headquarters country (a Country: itself) and the shares its own
// recorded owners hold in it (null: not reported), all valid on $as_of.
UNWIND $ids AS oid
MATCH (o:Entity {id: oid})
RETURN o.id AS id,
       CASE WHEN o:Country THEN o.id ELSE
         head([(o)-[h:HEADQUARTERED_IN]->(c:Country)
               WHERE (h.since IS NULL OR h.since <= $as_of)
                 AND (h.until IS NULL OR h.until >= $as_of) | c.id]) END AS country,
       [(w)-[r:OWNS]->(o)
         WHERE (r.since IS NULL OR r.since <= $as_of)
           AND (r.until IS NULL OR r.until >= $as_of) | r.share] AS owner_shares
