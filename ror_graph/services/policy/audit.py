"""Audit values seen through the policy: confidential items are cut out of the stored JSON.

List-valued audit rows keep whole lists as JSON (e.g. an offer's ``contacts`` with every telecom),
written once for everybody. Before a row reaches a reader, every object carrying a
``confidentialite`` above the caller's level is dropped from the lists it sits in (a contact, or a
telecom inside a visible contact). A row whose change lies entirely inside hidden items (its old and
new values become equal) is hidden altogether: showing it would tell that something hidden changed.
"""

from __future__ import annotations

import json
from typing import Any

from ror_graph.models import AuditLog
from ror_graph.services.policy.visibility import level_visible

LEVEL_KEY = "confidentialite"


def _strip(value: Any, caller: Any) -> Any:
    """``value`` without the objects (at any depth) whose confidentiality is above the caller's."""
    if isinstance(value, list):
        return [_strip(item, caller) for item in value
                if not (isinstance(item, dict) and not _item_visible(item, caller))]
    if isinstance(value, dict):
        return {key: _strip(item, caller) for key, item in value.items()}
    return value


def _item_visible(item: dict, caller: Any) -> bool:
    level = item.get(LEVEL_KEY)
    return not isinstance(level, int | str) or not str(level).isdigit() or level_visible(caller, int(level))


def visible_value(caller: Any, text: str | None) -> str | None:
    """The audit value ``text`` as ``caller`` may read it (unchanged unless it holds hidden items)."""
    if not text or text[0] not in "[{":
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    stripped = _strip(value, caller)
    if stripped == value:
        return text
    return json.dumps(stripped, ensure_ascii=False, sort_keys=True)


def visible_entry(caller: Any, row: AuditLog) -> AuditLog | None:
    """A detached copy of ``row`` with its values filtered, or ``None`` when the change is all hidden."""
    old, new = visible_value(caller, row.old_value), visible_value(caller, row.new_value)
    if (old, new) == (row.old_value, row.new_value):
        return row
    if old == new or (old in (None, "[]") and new in (None, "[]")):
        return None
    return AuditLog(**{**row.model_dump(), "old_value": old, "new_value": new})
