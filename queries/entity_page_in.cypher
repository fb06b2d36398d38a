// Incoming relationships of a page's node n, as one column (inserted into entity_page).
COLLECT { MATCH (n)<-[r:{{type}}]-(b)
          RETURN {rel: properties(r), props: properties(b),
                  label: [l IN labels(b) WHERE l <> 'Entity'][0]} AS x ORDER BY b.name }
