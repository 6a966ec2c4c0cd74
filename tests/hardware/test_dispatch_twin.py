"""The twin backend: replay on the deck twin, measurement hook, pause / resume / stop."""

from __future__ import annotations

import time

import pytest
from dispatch_support import FAST_POLICY, certify
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger
from labwright.hardware.models import Job, RunState
from labwright.hardware.twin_backend import TwinBackend
from labwright.simulators.deck.events import MeasureEvent


def _job(protocol, cert, run_id="run-1", key="key-1") -> Job:  # noqa: ANN001
    from labwright.protocols import protocol_sha256

    return Job(
        run_id=run_id,
        idempotency_key=key,
        protocol=protocol,
        protocol_sha256=protocol_sha256(protocol),
        certificate=cert,
    )


def test_twin_run_measures_the_serial_dilution(tmp_path) -> None:  # noqa: ANN001
    protocol, cert = certify()
    with Ledger(tmp_path / "l.sqlite") as ledger:
        seen = []
        record = Dispatcher(TwinBackend(), ledger, FAST_POLICY).dispatch(
            protocol, cert, idempotency_key="twin-1", on_progress=seen.append
        )
    assert record.state is RunState.SUCCEEDED
    assert (record.completed_steps, record.total_steps) == (3, 3)
    assert seen and seen[-1].completed_steps == 3
    (m,) = record.results.measurements
    assert (m.step, m.labware, m.kind, m.wavelength_nm) == (2, "plate", "absorbance", 427.0)
    dye = {w: v["composition_ul"].get("dye", 0.0) for w, v in m.values.items()}
    vol = {w: v["volume_ul"] for w, v in m.values.items()}
    # two-fold dilution: 100 uL of 1 mM dye into 100 uL diluent, 100 uL carried on, A11 keeps 200 uL
    assert vol["A1"] == pytest.approx(100.0)
    for k in range(2, 11):
        assert dye[f"A{k}"] == pytest.approx(100.0 / 2 ** (k - 1)), k
        assert vol[f"A{k}"] == pytest.approx(100.0)
    assert vol["A11"] == pytest.approx(200.0)
    assert dye["A11"] == pytest.approx(100.0 / 2**9)
    assert dye["A12"] == 0.0 and vol["A12"] == pytest.approx(100.0)
    kinds = {c.command_type for c in record.results.commands}
    assert {"PickUpTip", "Aspirate", "Dispense", "BlowOut", "DropTip", "Measure"} <= kinds
    assert record.first_command_at and record.finished_at


def test_chemistry_hook_plugs_into_measurements() -> None:
    """A chemistry twin: Beer-Lambert absorbance of tartrazine at 427 nm from the twin's composition."""
    protocol, cert = certify()
    events: list[MeasureEvent] = []
    epsilon, path_cm = 27.0, 0.55  # mM^-1 cm^-1 (tartrazine near 427 nm), light path of ~100 uL

    def absorbance(event: MeasureEvent) -> dict[str, dict[str, float]]:
        events.append(event)
        out = {}
        for well, amounts in event.wells.items():
            total = sum(amounts.values())
            conc_mm = 1.0 * amounts.get("dye", 0.0) / total if total else 0.0
            out[well] = {"absorbance": epsilon * conc_mm * path_cm}
        return out

    backend = TwinBackend(absorbance, hook_name="beer_lambert")
    status = backend.submit(_job(protocol, cert))
    backend.wait_idle(status.run_id)
    results = backend.results(status.run_id)
    assert results.state is RunState.SUCCEEDED
    assert len(events) == 1 and events[0].kind == "absorbance" and events[0].wavelength_nm == 427.0
    (m,) = results.measurements
    assert m.source == "beer_lambert"
    a = {w: v["absorbance"] for w, v in m.values.items()}
    assert a["A1"] == pytest.approx(epsilon * path_cm)
    assert a["A2"] == pytest.approx(a["A1"] / 2) and a["A3"] == pytest.approx(a["A1"] / 4)
    assert a["A12"] == 0.0


def test_hook_failure_fails_the_run_at_the_measure_step() -> None:
    protocol, cert = certify()

    def broken(event: MeasureEvent) -> dict:
        raise ValueError("no calibration for 427 nm")

    backend = TwinBackend(broken)
    status = backend.submit(_job(protocol, cert))
    backend.wait_idle(status.run_id)
    status = backend.status(status.run_id)
    assert status.state is RunState.FAILED
    assert status.error.code == "MEASUREMENT_HOOK_FAILED" and status.error.step == 2
    assert "no calibration" in status.error.message


def test_pause_resume_stop() -> None:
    protocol, cert = certify()
    backend = TwinBackend(action_delay_s=0.01)  # 108 actions: about a second
    run_id = backend.submit(_job(protocol, cert)).run_id
    time.sleep(0.1)
    paused = backend.pause(run_id)
    assert paused.state is RunState.PAUSED
    time.sleep(0.05)  # the action in flight finishes
    at = backend.status(run_id).command_index
    time.sleep(0.2)
    assert backend.status(run_id).command_index == at, "a paused twin must not advance"
    assert backend.resume(run_id).state is RunState.RUNNING
    backend.wait_idle(run_id)
    assert backend.status(run_id).state is RunState.SUCCEEDED

    run2 = backend.submit(_job(protocol, cert, run_id="run-2", key="key-2")).run_id
    time.sleep(0.1)
    stopped = backend.stop(run2)
    assert stopped.state is RunState.STOPPED
    assert 0 < stopped.command_index < 108
    assert len(backend.results(run2).commands) == stopped.command_index


def test_same_key_is_one_twin_run() -> None:
    protocol, cert = certify()
    backend = TwinBackend()
    a = backend.submit(_job(protocol, cert))
    b = backend.submit(_job(protocol, cert, run_id="other-run-id"))
    assert a.run_id == b.run_id == "run-1"
    assert len(backend._runs) == 1
