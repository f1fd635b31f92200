"""Google's partial responses: the ``fields`` system parameter trims an answer to the fields it
names, as every Google API does. The syntax: fields separated by commas, ``a/b`` for ``b``
inside ``a``, ``a(b,c)`` for several fields inside ``a``, and ``*`` for every field at a level.
An answer trimmed so carries nothing else (no ``kind``, no ``etag`` unless asked for), so a
client that reads a field it did not ask for is caught here as it would be by Google.
"""

from __future__ import annotations

from typing import Any

Mask = dict[str, "Mask | None"]
"""Field name -> what to keep inside it (None: all of it)."""


class FieldsError(ValueError):
    """The ``fields`` value cannot be parsed (Google answers 400 "Invalid field selection")."""


def parse_fields(text: str) -> Mask:
    mask, position = _selection(text, 0, closing=False)
    if position != len(text):
        raise FieldsError(text)
    return mask


def _selection(text: str, position: int, *, closing: bool) -> tuple[Mask, int]:
    mask: Mask = {}
    while True:
        path, position = _path(text, position)
        inner: Mask | None = None
        if position < len(text) and text[position] == "(":
            inner, position = _selection(text, position + 1, closing=True)
        _insert(mask, path, inner)
        if position == len(text):
            if closing:
                raise FieldsError(text)
            return mask, position
        if text[position] == ",":
            position += 1
        elif text[position] == ")" and closing:
            return mask, position + 1
        else:
            raise FieldsError(text)


def _path(text: str, position: int) -> tuple[list[str], int]:
    """``a/b/c`` from ``position``: the names, and where they end."""
    names: list[str] = []
    start = position
    while True:
        if position == len(text) or text[position] in ",()/":
            name = text[start:position].strip()
            if not name:
                raise FieldsError(text)
            names.append(name)
            if position == len(text) or text[position] != "/":
                return names, position
            start = position + 1
        position += 1


def _insert(mask: Mask, path: list[str], inner: Mask | None) -> None:
    """Select ``path`` (and ``inner`` below it; None: all of it) in ``mask``."""
    node = mask
    for part in path[:-1]:
        child = node.get(part, {})
        if child is None:
            return  # that field is already selected whole
        node[part] = child
        node = child
    last = path[-1]
    if inner is None:
        node[last] = None
    elif node.get(last, {}) is not None:
        node[last] = {**(node.get(last) or {}), **inner}


def trim(value: Any, mask: Mask | None) -> Any:
    """``value`` with only the fields ``mask`` selects (lists are trimmed item by item)."""
    if mask is None:
        return value
    if isinstance(value, list):
        return [trim(item, mask) for item in value]
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    if "*" in mask:
        kept = {key: trim(item, mask["*"]) for key, item in value.items()}
    for key, inner in mask.items():
        if key != "*" and key in value:
            kept[key] = trim(value[key], inner)
    return kept
