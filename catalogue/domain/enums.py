from __future__ import annotations

from enum import StrEnum


class Temporality(StrEnum):
    FIXED = "FIXED"
    STATUS = "STATUS"
    ACCUMULATED = "ACCUMULATED"
    EVENT = "EVENT"


class DataType(StrEnum):
    STRING = "STRING"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    DATE = "DATE"


class SensitivityLevel(StrEnum):
    PERSON_GENERAL = "PERSON_GENERAL"
    PERSON_SPECIAL = "PERSON_SPECIAL"
    PUBLIC = "PUBLIC"
    NONPUBLIC = "NONPUBLIC"


class Operation(StrEnum):
    """What a draft stages for one dataset (docs/ARCHITECTURE.md §3)."""

    ADD = "ADD"
    CHANGE = "CHANGE"
    PATCH_METADATA = "PATCH_METADATA"
    APPEND = "APPEND"  # new periods after the released ones; the released files are kept
    REMOVE = "REMOVE"
