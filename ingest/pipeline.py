"""Two threads next to the caller's, so reading, hashing and writing overlap on two cores.

pyarrow and numpy release the GIL while they work, so a thread that parses the next chunk
and a thread that compresses the previous one run in parallel with the main thread, which
does the Python part (pseudonyms, the report). Queues are short, so at most a few batches
are in memory at a time.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_POLL_SECONDS = 0.1


def in_background(items: Iterator[T], depth: int = 1) -> Generator[T, None, None]:
    """Yield `items`, produced by a worker thread at most `depth` items ahead. An error in
    the worker is raised here. Closing the generator (contextlib.closing) when the loop is
    left early stops the worker after the item it is working on."""
    channel: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def put(message: tuple[str, Any]) -> bool:
        while not stopped.is_set():
            try:
                channel.put(message, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    break
            else:
                put(("done", None))
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(("error", error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="regcat-ingest-read", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = channel.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stopped.set()
        worker.join()


class SerialWorker:
    """Runs submitted jobs in order in one thread, with at most `depth` waiting. An error
    in a job is raised by the next submit or by close; later jobs are skipped."""

    def __init__(self, depth: int = 2) -> None:
        self._jobs: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="regcat-ingest-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None:
                try:
                    job()
                except BaseException as error:  # re-raised in the submitting thread
                    self._error = error

    def submit(self, job: Callable[[], object]) -> None:
        self._raise_error()
        self._jobs.put(job)

    def close(self) -> None:
        """Wait for every job to finish; raise the first error."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
        self._raise_error()

    def close_quietly(self) -> None:
        """Wait for the jobs and drop any error (when another error is on its way up)."""
        with contextlib.suppress(BaseException):
            self.close()

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
