// Close facts a newer snapshot no longer contains: `until` = the snapshot's day (the fact
// held until then); nothing is deleted, so as_of questions before that day still see it.
UNWIND $rids AS rid
MATCH ()-[r]->()
WHERE elementId(r) = rid AND r.until IS NULL AND (r.since IS NULL OR r.since <= $day)
SET r.until = $day
RETURN count(r) AS closed
