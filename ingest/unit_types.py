"""Unit types are data: one JSON file per unit type in a folder (docs/ARCHITECTURE.md §2, §11)."""

from __future__ import annotations

import json
from pathlib import Path

from catalogue.domain.errors import invalid_input
from catalogue.domain.register import UnitType
from ingest.folders import existing_folder
from ingest.messages import Both
from schemas.problems import ValidationError, flatten_messages
from schemas.register import load_unit_type
from schemas.translations import translate

_NO_FOLDER = Both(
    "Mappen for enhetstyper {folder} finnes ikke.", "The unit-type folder {folder} does not exist."
)


def load_unit_types(folder: Path) -> dict[str, UnitType]:
    """Every `NAME.json` in `folder`, by name. A broken file stops loading with an error
    naming the file, since a missing unit type would reject valid extracts later."""
    folder = existing_folder(
        folder, "unit-types-missing", _NO_FOLDER, detail="folder", http_status=400
    )
    found: dict[str, UnitType] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            unit_type = load_unit_type(json.loads(path.read_text(encoding="utf-8")))
        except ValidationError as e:
            problems = flatten_messages(e.messages)
            raise _bad_file(
                path,
                "; ".join(f"{field}: {translate(msg, 'nb')}" for field, msg in problems),
                "; ".join(f"{field}: {msg}" for field, msg in problems),
            ) from None
        except ValueError as e:  # not JSON (its position is the useful part)
            raise _bad_file(path, f"ikke gyldig JSON ({e})", f"not valid JSON ({e})") from None
        if unit_type.name != path.stem:
            raise _bad_file(
                path,
                f"navnet «{unit_type.name}» er et annet enn filnavnet",
                f"the name «{unit_type.name}» differs from the file name",
            )
        found[unit_type.name] = unit_type
    return found


def _bad_file(path: Path, why_nb: str, why_en: str) -> Exception:
    return invalid_input(
        "invalid-unit-type-file",
        f"Enhetstypefilen {path.name} er ugyldig: {why_nb}",
        f"The unit-type file {path.name} is invalid: {why_en}",
        file=str(path),
    )
