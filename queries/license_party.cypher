// The party of a license question, valid on $as_of: its destination country (a Country is
// itself; a DataCenter where it is located; a Firm where it is headquartered) and its end
// users (a Firm itself; a DataCenter's operators), each with its headquarters country,
// its listings (LISTED_ON valid that day) and its controlling owners up the OWNS chain
// (share >= 0.5 or kind control on every hop: whose ultimate parent it is).
// $ids: every party an answer asks about, read together (one row each that exists).
UNWIND $ids AS pid
MATCH (p:Entity {id: pid})
WITH p,
     CASE WHEN p:Country THEN p.id
          WHEN p:DataCenter THEN head([(p)-[r:LOCATED_IN]->(c:Country)
              WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
              | c.id])
          ELSE head([(p)-[r:HEADQUARTERED_IN]->(c:Country)
              WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
              | c.id]) END AS country,
     CASE WHEN p:Firm THEN [p]
          WHEN p:DataCenter THEN [(f:Firm)-[r:OPERATES]->(p)
              WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
              | f]
          ELSE [] END AS users
RETURN p.id AS id, coalesce(p.name, p.id) AS name, labels(p) AS labels, country,
       [u IN users | {
         id: u.id, name: coalesce(u.name, u.id),
         country: head([(u)-[r:HEADQUARTERED_IN]->(c:Country)
             WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
             | c.id]),
         lists: [(u)-[l:LISTED_ON]->(cl:ControlList)
             WHERE (l.since IS NULL OR l.since <= $as_of) AND (l.until IS NULL OR l.until >= $as_of)
             | {id: cl.id, name: coalesce(cl.name, cl.id), since: l.since, reason: l.reason,
                sources: coalesce(l.sources, [])}],
         parents: [(x)-[rs:OWNS*1..6]->(u)
             WHERE all(r IN rs WHERE (r.share >= 0.5 OR r.kind = 'control')
                   AND (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of))
             | {id: x.id, name: coalesce(x.name, x.id),
                country: CASE WHEN x:Country THEN x.id ELSE head([(x)-[h:HEADQUARTERED_IN]->(c:Country)
                    WHERE (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
                    | c.id]) END,
                chain: [r IN rs | {from: startNode(r).id, to: endNode(r).id, share: r.share,
                                   kind: r.kind, sources: coalesce(r.sources, [])}]}]
       }] AS users
