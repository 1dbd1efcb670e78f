"""Insert derived fields into a class before ``strawberry.type`` sees it, keeping the printed order.

Leaf module (imports nothing from resolvers), so input modules can use it too.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

SKIPPED = ("__dict__", "__weakref__", "__annotations__")
MISSING = object()


def place(cls: type, fields: Iterable[tuple[str, str | None, tuple[Any, Any]]], first_after: str | None = None) -> type:
    """A copy of ``cls`` with ``fields`` (name, after, (annotation, field)) inserted after their anchors."""
    anchored: dict[str, list[tuple[str, tuple[Any, Any]]]] = {}
    previous = first_after
    for name, after, made in fields:
        anchor = after or previous
        if anchor is None:
            raise ValueError(f"{cls.__name__}.{name}: no field to follow")
        anchored.setdefault(anchor, []).append((name, made))
        previous = name
    annotations = inspect.get_annotations(cls)
    namespace: dict[str, Any] = {}
    new_annotations: dict[str, Any] = {}

    def put(name: str, value: Any, annotation: Any = None, annotated: bool = False) -> None:
        if value is not MISSING:
            namespace[name] = value
        if annotated:
            new_annotations[name] = annotation
        for child, (child_annotation, child_field) in anchored.pop(name, []):
            put(child, child_field, child_annotation, annotated)  # after a method: stays unannotated, in order

    pending = [name for name in annotations if name not in cls.__dict__]  # annotated, no default
    for name, value in cls.__dict__.items():
        if name in SKIPPED:
            continue
        if name in annotations:
            while pending and list(annotations).index(pending[0]) < list(annotations).index(name):
                put(pending[0], MISSING, annotations[pending[0]], True)
                pending.pop(0)
        put(name, value, annotations.get(name), name in annotations)
    for name in pending:
        put(name, MISSING, annotations[name], True)
    if anchored:
        raise ValueError(f"{cls.__name__}: unknown anchors {sorted(anchored)}")
    namespace["__annotations__"] = new_annotations
    return type(cls.__name__, cls.__bases__, namespace)
