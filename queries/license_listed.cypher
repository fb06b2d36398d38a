// Which of the entities $ids are on one of the control lists $lists on $as_of.
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[l:LISTED_ON]->(cl:ControlList)
WHERE cl.id IN $lists
  AND (l.since IS NULL OR l.since <= $as_of) AND (l.until IS NULL OR l.until >= $as_of)
RETURN n.id AS id, collect(cl.id) AS lists
