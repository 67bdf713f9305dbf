"""The runtime: every cache a catalogue keeps in memory, in one object owned by its Context.

Why one per Context rather than one per process keyed by database URL: a Context is the
catalogue's identity (one configuration: database, home, index, datastore root), and a web
worker holds exactly one for its life, so in production this is one runtime per worker
process, as the module-level caches it replaces were. Owned by the Context, two catalogues in
one process (tests; a CLI command beside an app) cannot see each other's entries even when a
cache key forgets the identity, a test gets fresh caches with a fresh Context, and closing
the Context closes what the caches hold open (the live workspaces' DuckDB connections).
Keys still carry the database URL where the code always put it: harmless, and a second guard.

Invariants (see catalogue/domain/bounded_cache.py): every cache is bounded, has its own lock,
and no lock is held while a value is built or closed. Every value is derived from the
database or from released files, so an evicted entry is built again, never lost; the two
bounds a steward may tune are settings (live_workspaces, kept_documents_mb), the rest are
sized for the number of datastores a catalogue has and documented below."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalogue.config import Config
from catalogue.domain.bounded_cache import BoundedCache

# Types only: every Context has a runtime, and a command that only reads the catalogue must
# not load the analysis engine or the index (tests/test_cli_startup.py).
if TYPE_CHECKING:
    from catalogue.analysis.facts_cache import FactsMemory
    from catalogue.analysis.persistent_ledger import LedgerMemory
    from catalogue.analysis.sources import PinnedVersion
    from catalogue.analysis.unit_keys.store import LoadedSnapshots
    from catalogue.export.oai_pmh import OaiRepository
    from catalogue.search.reader import LiveIndex
    from catalogue.services.exporting import Document
    from catalogue.services.reading import CatalogueSnapshot, KnownFiles

# Bounds no steward needs to tune: each is far above what one catalogue uses and below what
# would hold memory for nothing.
MAX_DATASTORES = 16  # datastores whose snapshots, ledger sets and key stores are kept
MAX_PINNED = 64  # released versions (and "latest" asked by name) whose file lists are kept
MAX_FILE_SETS = 4096  # datasets whose facts (first and last dates) are kept; a few KB each
MAX_DOCUMENTS = 256  # built export documents, besides their size bound
MAX_INDEXES = 4  # index folders (one per catalogue; more only in tests)


@dataclass
class Runtime:
    """The caches of one catalogue. `clear` empties them all (tests, a steward's refresh);
    `close` does too and is called when the Context closes."""

    config: Config

    def __post_init__(self) -> None:
        # services/workspaces.py: the linked rows of the workspaces used most recently; an
        # evicted one is closed (its DuckDB connection and spill folder go). Typed Any: the
        # value is workspaces.py's own record, which has a close().
        self.live_workspaces: BoundedCache[tuple[str, str], Any] = BoundedCache(
            "live workspaces", self.config.live_workspaces, on_evict=lambda live: live.close()
        )
        # services/workspaces.py: the datasets of a released version; they never change.
        self.pinned_versions: BoundedCache[tuple[str, str, str], PinnedVersion] = BoundedCache(
            "pinned versions", MAX_PINNED
        )
        # services/reading.py: per datastore, the file rows of the newest version read, from
        # which the next version's are derived (an append reads its month's rows only).
        self.released_files: BoundedCache[tuple[str, str], KnownFiles] = BoundedCache(
            "released files", MAX_DATASTORES
        )
        # services/searching.py: the live index generation per index folder.
        self.live_indexes: BoundedCache[Path, LiveIndex] = BoundedCache("live indexes", MAX_INDEXES)
        # services/searching.py: the latest snapshot per datastore, with its release stamp.
        self.search_snapshots: BoundedCache[tuple[str, str], tuple[object, CatalogueSnapshot]] = (
            BoundedCache("search snapshots", MAX_DATASTORES)
        )
        # services/exporting.py: snapshots, built documents (bounded by size too) and the
        # OAI-PMH repository of the current catalogue state (one state at a time).
        self.export_snapshots: BoundedCache[
            tuple[str, str], tuple[str | None, CatalogueSnapshot]
        ] = BoundedCache("export snapshots", MAX_DATASTORES)
        self.export_documents: BoundedCache[tuple[object, ...], Document] = BoundedCache(
            "export documents",
            MAX_DOCUMENTS,
            weight=lambda document: len(document.body),
            max_weight=self.config.kept_documents_mb * 1024 * 1024,
        )
        self.oai_repositories: BoundedCache[tuple[object, ...], OaiRepository] = BoundedCache(
            "OAI-PMH repositories", 1
        )
        # services/indexing.py: unit-type names read from the files shipped with the code.
        self.unit_type_names: BoundedCache[str, dict[str, dict[str, str]]] = BoundedCache(
            "unit type names", MAX_INDEXES
        )
        # Given to the analysis engine's objects this catalogue makes.
        self.ledger_sets: LedgerMemory = BoundedCache("release ledger", MAX_DATASTORES)
        self.key_snapshots: LoadedSnapshots = BoundedCache("loaded key stores", MAX_DATASTORES)
        self.dataset_facts: FactsMemory = BoundedCache("dataset facts", MAX_FILE_SETS)

    def caches(self) -> tuple[BoundedCache[Any, Any], ...]:
        return tuple(v for v in vars(self).values() if isinstance(v, BoundedCache))

    def clear(self) -> None:
        for cache in self.caches():
            cache.clear()

    def close(self) -> None:
        self.clear()
