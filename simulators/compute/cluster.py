"""Run many independent tasks (structure searches, committee members, design batches) on Dask.

``workers=1`` and no scheduler runs in-process, in order (no Dask start-up cost). Otherwise a
``distributed.LocalCluster`` with ``workers`` single-threaded worker processes is started for the
call, or an existing cluster is used when ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``) is given.
Results come back in the order of ``items``. ``on_done`` is called once per finished task (for
progress bars).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from labwright.protocols.errors import ConfigurationError

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)


def run_tasks(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[int], Any] | None = None,
) -> list[R]:
    """Apply ``fn`` to every item, in parallel on Dask when asked; results in input order."""
    if workers < 1:
        raise ConfigurationError(
            f"workers must be at least 1, got {workers}", hint="pass --workers 1 or more"
        )
    if workers == 1 and scheduler is None:
        out: list[R] = []
        for i, item in enumerate(items):
            out.append(fn(item))
            if on_done:
                on_done(i)
        return out

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="10s")
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot reach the Dask scheduler at {scheduler!r}: {exc}",
                    hint="check the address (tcp://HOST:PORT) and that `dask scheduler` runs there",
                ) from exc
        with client:
            futures = client.map(fn, list(items), pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            results: list[Any] = [None] * len(futures)
            for future in as_completed(futures):
                i = index[future.key]
                results[i] = future.result()
                if on_done:
                    on_done(i)
            return results
    finally:
        if cluster is not None:
            cluster.close()
