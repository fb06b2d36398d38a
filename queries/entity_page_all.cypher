// One page of entities of a label, ordered by id, without filters (the common case: a
// walk of the label's id index). Same columns and marker as entity_page.
// `n.id > coalesce($after, '')` rather than `$after IS NULL OR n.id > $after`: the
// planner then seeks the unique id index by range and takes its order, so it reads
// $limit nodes instead of scanning and sorting the whole label (every id is non-empty).
MATCH (n:{{label}})
WHERE n.id > coalesce($after, '')
WITH n ORDER BY n.id LIMIT $limit
RETURN n.id AS id, {{props}} AS props{{relationships}}
ORDER BY id
