"""Structure-search tests run with single-threaded BLAS, as the library's search loops do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labwright.simulators.compute.structure.threads import single_threaded_blas


@pytest.fixture(autouse=True)
def _single_threaded_blas() -> Iterator[None]:
    with single_threaded_blas():
        yield
