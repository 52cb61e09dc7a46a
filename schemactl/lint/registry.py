"""Every rule, by id: the lint rules with their checks, and the layout rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule
from schemactl.lint.layout import layout_rules
from schemactl.lint.rules import (
    adding_field_with_default,
    adding_not_nullable_field,
    adding_required_field,
    ban_char_field,
    ban_cluster,
    ban_drop_column,
    ban_drop_table,
    ban_truncate_cascade,
    ban_vacuum_full,
    changing_column_type,
    constraint_missing_not_valid,
    disallowed_unique_constraint,
    down_drops_unknown,
    down_leaves_object,
    empty_down,
    identifier_too_long,
    missing_extension,
    multi_statement_no_transaction,
    prefer_bigint_over_int,
    prefer_identity,
    prefer_timestamptz,
    reference_before_create,
    reference_to_unknown_table,
    renaming_column,
    renaming_table,
    require_concurrent_index,
    require_concurrent_partition_detach,
    require_concurrent_reindex,
    require_extension_if_not_exists,
    requires_no_transaction,
    unknown_rule_in_directive,
    version_gap,
)

Check = Callable[[LintContext], Iterator[Finding]]

# Grouped as the docs present them: layout, transactions, extensions, locks, types, downs,
# references.
CHECKS: tuple[tuple[Rule, Check], ...] = tuple(
    (module.RULE, module.check)
    for module in (
        version_gap,
        unknown_rule_in_directive,
        requires_no_transaction,
        multi_statement_no_transaction,
        require_extension_if_not_exists,
        missing_extension,
        require_concurrent_index,
        require_concurrent_reindex,
        adding_required_field,
        adding_field_with_default,
        adding_not_nullable_field,
        constraint_missing_not_valid,
        disallowed_unique_constraint,
        changing_column_type,
        renaming_column,
        renaming_table,
        ban_drop_column,
        ban_drop_table,
        ban_truncate_cascade,
        ban_vacuum_full,
        ban_cluster,
        require_concurrent_partition_detach,
        identifier_too_long,
        prefer_timestamptz,
        prefer_bigint_over_int,
        prefer_identity,
        ban_char_field,
        down_drops_unknown,
        down_leaves_object,
        empty_down,
        reference_before_create,
        reference_to_unknown_table,
    )
)
LINT_RULE_IDS = frozenset(rule.id for rule, _ in CHECKS)
LAYOUT_RULE_IDS = frozenset(rule.id for rule in layout_rules())

RULES: dict[str, Rule] = {rule.id: rule for rule in [*layout_rules(), *(r for r, _ in CHECKS)]}
