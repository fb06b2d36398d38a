"""The one way to write Cypher with label and type names in it: ``render``.

Labels and relationship types cannot be query parameters, and a dynamic label
(``$($label)``) plans several times slower than a static one; so a template names them
``{{label}}``, ``{{type}}`` (or ``{{types}}``, an ``A|B`` alternation), and ``render``
fills each with a name checked against the validated schema (graph/schema.yaml). Other
placeholders take text that is itself rendered Cypher (``Cypher``: built only from
schema names and the code's own literals), such as a page's relationship columns.
Values are never placed in the text: they are ``$parameters``.

A placeholder left unfilled, or a slot given that the template lacks, is an error
(``SchemaError``), never a silent fall-back. Whole-line ``//`` comments (the templates'
documentation, which names the placeholders) are left out of the rendered text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graph.errors import SchemaError
from graph.schema import SCHEMA, Schema

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class Cypher(str):
    """Cypher text made by ``render`` (or by code from schema names and literals only):
    the only text ``render`` puts in a placeholder besides checked names."""


def render(template: str, *, schema: Schema = SCHEMA, label: str | None = None,
           type: str | None = None,  # noqa: A002 - the placeholder's name
           types: Iterable[str] | None = None, **parts: Cypher) -> Cypher:
    """``template`` with ``{{label}}``, ``{{type}}``, ``{{types}}`` filled by names
    checked against ``schema`` and every other ``{{name}}`` by ``parts[name]``."""
    names: dict[str, str] = {}
    if label is not None:
        names["label"] = schema.label(label)
    if type is not None:
        names["type"] = schema.rel_type(type)
    if types is not None:
        names["types"] = schema.rel_types_pattern(types)
    for key, value in parts.items():
        if not isinstance(value, Cypher):
            raise SchemaError(f"{{{{{key}}}}}: only rendered Cypher fills a placeholder, "
                              f"got {builtin_type_name(value)}")
        names[key] = value
    text = "\n".join(line for line in template.splitlines()
                     if not line.lstrip().startswith("//"))
    used: set[str] = set()

    def fill(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in names:
            raise SchemaError(f"placeholder {{{{{key}}}}} left unfilled",
                              hint=f"pass {key}= to render()")
        used.add(key)
        return names[key]

    out = _PLACEHOLDER.sub(fill, text)
    unused = set(names) - used
    if unused:
        raise SchemaError(f"the template has no placeholder for {sorted(unused)}")
    return Cypher(out)


def builtin_type_name(value: object) -> str:
    return type(value).__name__
