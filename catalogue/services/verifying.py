"""`regcat verify`: recompute every checksum the catalogue promises."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalogue.services.context import Context
from catalogue.services.publishing import metadata_checksum
from catalogue.services.setup import require_initialised, resolve_datastore
from catalogue.storage.catalogue_store import CatalogueStore


@dataclass
class VerifyProblem:
    datastore: str
    dataset: str
    path: str
    code: str
    nb: str
    en: str


@dataclass
class VerifyOutcome:
    datastores: list[str] = field(default_factory=list)
    revisions: int = 0
    files: int = 0
    bytes: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(ctx: Context, datastore: str | None = None) -> VerifyOutcome:
    """Every file of every released or staged revision: present, same size and sha256, and
    no stray file in a revision folder; every metadata document: same sha256; every parent
    link of an appended revision names an earlier revision of the same dataset."""
    require_initialised(ctx)
    outcome = VerifyOutcome()
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        stores = [resolve_datastore(store, datastore)] if datastore else list(store.datastores())
        for ds in stores:
            outcome.datastores.append(ds.name)
            for name in store.broken_parent_links(ds.id):
                outcome.problems.append(
                    VerifyProblem(
                        ds.name,
                        name,
                        "(parent)",
                        "revision-parent-missing",
                        "Revisjonen peker på en forelder som mangler eller ikke er en tidligere "
                        "revisjon av samme datasett; filene den arver er ikke med. Gjenopprett "
                        "tabellen dataset_revisions fra sikkerhetskopi.",
                        "The revision points at a parent that is missing or is not an earlier "
                        "revision of the same dataset; the files it inherits are left out. "
                        "Restore the dataset_revisions table from a backup.",
                    )
                )
            for revision in store.revisions_in_use(ds.id):
                outcome.revisions += 1
                if metadata_checksum(revision.metadata_doc) != revision.metadata_sha256:
                    outcome.problems.append(
                        VerifyProblem(
                            ds.name,
                            revision.name,
                            "(metadata)",
                            "metadata-checksum-mismatch",
                            "Metadata er endret etter at de ble lagret.",
                            "The metadata changed after they were stored.",
                        )
                    )
                expected = {f.path: f for f in store.revision_files(revision.id)}
                present = (
                    set(ctx.files.list_files(revision.files_path))
                    if ctx.files.exists(revision.files_path)
                    else set()
                )
                for path, f in expected.items():
                    relative = f"{revision.files_path}/{path}"
                    # A file an APPEND keeps from an earlier revision lies in that one's folder.
                    kept = path.startswith("../")
                    if (path not in present) if not kept else not ctx.files.exists(relative):
                        outcome.problems.append(
                            VerifyProblem(
                                ds.name,
                                revision.name,
                                relative,
                                "file-missing",
                                "Filen mangler.",
                                "The file is missing.",
                            )
                        )
                        continue
                    outcome.files += 1
                    outcome.bytes += f.size_bytes
                    if ctx.files.sha256(relative) != f.sha256:
                        outcome.problems.append(
                            VerifyProblem(
                                ds.name,
                                revision.name,
                                relative,
                                "file-checksum-mismatch",
                                "Filens innhold er endret (sha256 stemmer ikke).",
                                "The file's content has changed (sha256 differs).",
                            )
                        )
                for stray in sorted(present - set(expected)):
                    outcome.problems.append(
                        VerifyProblem(
                            ds.name,
                            revision.name,
                            f"{revision.files_path}/{stray}",
                            "file-unexpected",
                            "Filen hører ikke til revisjonen.",
                            "The file does not belong to the revision.",
                        )
                    )
    return outcome
