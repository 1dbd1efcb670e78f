"""Validation rules of the schema that protect accounts.

``SingleLoginRule``: a request may carry at most one ``login`` field. Aliases made one request a
password-guessing machine (30 ``login`` aliases = 30 guesses and ~12 s of argon2); the rule counts
the distinct response keys of ``login`` at the root of each mutation, through inline fragments and
named fragments, and refuses the whole document with the code ``BAD_INPUT`` before anything runs.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules

GUARDED_FIELD = "login"


def _root_keys(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode],
               seen: set[str]) -> set[str]:
    """Response keys of ``login`` fields selected at this level (fragments expanded, each once)."""
    keys: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == GUARDED_FIELD:
                keys.add(selection.alias.value if selection.alias else selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            keys |= _root_keys(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                seen.add(selection.name.value)
                keys |= _root_keys(fragment.selection_set, fragments, seen)
    return keys


class SingleLoginRule(ValidationRule):
    """Refuse a mutation that selects ``login`` more than once (aliases, fragments included)."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        if node.operation != OperationType.MUTATION:
            return
        fragments = {d.name.value: d for d in self.context.document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        if len(_root_keys(node.selection_set, fragments, set())) > 1:
            # No source location on purpose: logged errors quote the document around it, passwords included.
            self.report_error(GraphQLError("A request may contain at most one `login` field.",
                                           extensions={"code": "BAD_INPUT"}))


class SingleLogin(AddValidationRules):
    """Schema extension adding ``SingleLoginRule`` (one line in ``schema.root``)."""

    def __init__(self) -> None:
        super().__init__([SingleLoginRule])
