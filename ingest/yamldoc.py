"""A YAML file read with the line of every node: the curated files (``curated.py``) and
the country-groups file (``countries.py``) share it.

The YAML is *composed* (not just loaded) so each record and each of its keys keeps the
line it was written on. A file that is not UTF-8 or not valid YAML becomes one
rejection, with the line of the error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ingest.records import Origin, Rejection
from ingest.validate import file_rejection


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


#: libyaml's parser when available (several times faster); same nodes, marks and errors
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlDoc:
    """A parsed YAML document: the Python data and the composed node tree (for lines)."""

    def __init__(self, data: Any, node: yaml.Node | None, file: str) -> None:
        self.data = data
        self.node = node
        self.file = file

    def section(self, key: str) -> yaml.Node | None:
        if isinstance(self.node, yaml.MappingNode):
            for k, v in self.node.value:
                if k.value == key:
                    return v
        return None

    def key_line(self, key: str) -> int | None:
        if isinstance(self.node, yaml.MappingNode):
            for k, _ in self.node.value:
                if k.value == key:
                    return int(k.start_mark.line) + 1
        return None


def read_yaml(path: Path) -> YamlDoc | Rejection:
    """Decode and parse one YAML file, or say where it is broken."""
    name = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return file_rejection(Origin(name), f"cannot read the file: {exc.strerror}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return file_rejection(Origin(name, line), f"bad encoding: byte 0x{raw[exc.start]:02x} "
                                                  "is not UTF-8; expected a UTF-8 text file",
                              "encoding")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = int(mark.line) + 1 if mark else None
        return file_rejection(Origin(name, at), f"malformed YAML: {exc.problem or exc}",
                              "yaml")
    except yaml.YAMLError as exc:
        return file_rejection(Origin(name), f"malformed YAML: {exc}", "yaml")
    finally:
        loader.dispose()
    return YamlDoc(data, node, name)
