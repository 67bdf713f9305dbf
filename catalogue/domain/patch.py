"""What a PATCH_METADATA may change: labels, descriptions and category titles only."""

from __future__ import annotations

from catalogue.domain.variable import VariableMetadata


def structural_changes(old: VariableMetadata, new: VariableMetadata) -> list[str]:
    """Names of the structural properties that differ; empty when `new` is a valid patch."""
    changes: list[str] = []
    if old.temporality != new.temporality:
        changes.append(f"temporalityType ({old.temporality} → {new.temporality})")
    if old.unit_type != new.unit_type:
        changes.append(f"identifierVariables.unitType ({old.unit_type} → {new.unit_type})")
    if old.measure.data_type != new.measure.data_type:
        changes.append(f"dataType ({old.measure.data_type} → {new.measure.data_type})")
    if old.measure.unit_type != new.measure.unit_type:
        changes.append("measureVariables.unitType")
    if old.sensitivity != new.sensitivity:
        changes.append(f"sensitivityLevel ({old.sensitivity} → {new.sensitivity})")

    def periods(meta: VariableMetadata) -> set[tuple[object, ...]]:
        return {(c.code, c.valid_from, c.valid_until) for c in meta.measure.value_domain.codes}

    added = periods(new) - periods(old)
    removed = periods(old) - periods(new)
    if added or removed:
        listed = sorted({str(c[0]) for c in added | removed})
        changes.append("codeList (codes or validity periods: " + ", ".join(listed[:10]) + ")")
    old_sentinels = {s.code for s in old.measure.value_domain.sentinels}
    new_sentinels = {s.code for s in new.measure.value_domain.sentinels}
    if old_sentinels != new_sentinels:
        changes.append("sentinelAndMissingValues (codes)")
    if old.measure.value_domain.is_enumerated != new.measure.value_domain.is_enumerated:
        changes.append("valueDomain (enumerated vs described)")
    return changes
