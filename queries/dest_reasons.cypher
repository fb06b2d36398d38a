// Why a node is itself a destination of concern (empty: it is not).
// Parameters: $id, $as_of, $concern (ISO3 codes).
MATCH (d:Entity {id: $id})
RETURN
     [(d)-[h:HEADQUARTERED_IN]->(c:Country)
        WHERE c.id IN $concern AND (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'headquartered in ' + c.id]
   + [(d)-[h:LOCATED_IN]->(c:Country)
        WHERE c.id IN $concern AND (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'located in ' + c.id]
   + [(d)-[h:LISTED_ON]->(l:ControlList)
        WHERE (h.since IS NULL OR h.since <= $as_of)
          AND (h.until IS NULL OR h.until >= $as_of) | 'listed on ' + coalesce(l.name, l.id)]
   + CASE WHEN d:Country AND d.id IN $concern THEN ['country of concern ' + d.id]
          ELSE [] END AS reasons
