// Every data center with its country (LOCATED_IN valid on $as_of), its plain status and
// H100 equivalents, and their dated entries where the loader keeps a history (DESIGN.md
// §4), so the code reads both as of the question's day.
MATCH (d:DataCenter)
RETURN d.id AS id, coalesce(d.name, d.id) AS name,
       head([(d)-[r:LOCATED_IN]->(c:Country)
             WHERE (r.since IS NULL OR r.since <= $as_of) AND (r.until IS NULL OR r.until >= $as_of)
             | c.id]) AS country,
       d.status AS status, d.h100_equivalents AS h100,
       [(d)-[:HAS_VALUE]->(v) WHERE v.property IN ['status', 'h100_equivalents']
        | {property: v.property, value: v.value, since: v.since, until: v.until}] AS entries
ORDER BY id
