"""Validation scales linearly with the protocol (issue 13, must-have 5).

The protocols are the ones ``bench/validate_scale.py`` generates. The default test compares two
sizes measured in the same run (ratios, never absolute times: the machine is shared); the slow
test checks the 100,000-step target through the CLI, as a user runs it.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import validate_scale  # noqa: E402
from labwright.protocols import read_document  # noqa: E402
from labwright.verifiers.verifier import VerifyOptions, verify_document  # noqa: E402


def _validate(path: Path, *, trace: bool = False) -> tuple[float, int, dict]:
    """CPU seconds of reading and verifying one file, or (``trace``) its peak traced memory."""
    gc.collect()
    if trace:
        tracemalloc.start()
    t0 = time.process_time()
    report = verify_document(read_document(path), VerifyOptions(), source=str(path))
    out = json.loads(json.dumps(report.to_json()))
    elapsed = time.process_time() - t0
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, peak, out


@pytest.mark.parametrize("variant", ["liquids", "hand", "anchors"])
def test_validation_time_and_memory_grow_linearly(tmp_path: Path, variant: str) -> None:
    small, large = 2_000, 8_000  # large enough that the smaller run is not dominated by noise
    small_path = validate_scale.write_protocol(tmp_path, small, variant)
    large_path = validate_scale.write_protocol(tmp_path, large, variant)
    _validate(small_path)  # warm: imports, definitions, caches
    t_small = min(_validate(small_path)[0] for _ in range(3))
    t_large = min(_validate(large_path)[0] for _ in range(3))
    _, m_small, out_small = _validate(small_path, trace=True)
    _, m_large, out_large = _validate(large_path, trace=True)
    assert out_small["protocol_sha256"] and out_large["protocol_sha256"]
    ratio = large / small
    # linear work gives x4; x8 (2x margin for noise) is what quadratic work gives at twice the size
    assert t_large < 2 * ratio * t_small, f"{small}: {t_small:.2f} s, {large}: {t_large:.2f} s"
    assert m_large < 2 * ratio * m_small, f"{small}: {m_small / 1e6:.0f} MB, {large}: {m_large / 1e6:.0f} MB"


def test_anchored_yaml_costs_no_more_memory_than_written_out(tmp_path: Path) -> None:
    """Aliases share their value: memory follows the protocol, not its alias expansion."""
    n = 2_000
    anchored = validate_scale.write_protocol(tmp_path, n, "anchors")
    plain = validate_scale.write_protocol(tmp_path, n, "liquids")
    _, m_anchored, out_a = _validate(anchored, trace=True)
    _, m_plain, out_p = _validate(plain, trace=True)
    assert out_a["protocol_sha256"] == out_p["protocol_sha256"]  # the same protocol
    assert m_anchored < 1.5 * m_plain, f"anchors {m_anchored / 1e6:.0f} MB, JSON {m_plain / 1e6:.0f} MB"


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["liquids", "anchors"])
def test_100k_steps_validate_under_10_s_and_500_mb(tmp_path: Path, variant: str) -> None:
    path = validate_scale.write_protocol(tmp_path, 100_000, variant)
    runs = [validate_scale.measure(validate_scale.validate_argv(path)) for _ in range(3)]
    wall = sorted(r["wall_s"] for r in runs)[1]
    peak = sorted(r["peak_mb"] for r in runs)[1]
    print(f"\n{variant} 100k steps: median {wall:.2f} s wall, {peak:.0f} MB peak (runs {runs})")
    assert runs[0]["rc"] in (0, 1) and runs[0]["counts"] is not None, runs[0]["stderr"]
    assert wall < 10.0, f"median {wall:.2f} s"
    assert peak < 500, f"median peak {peak:.0f} MB"
