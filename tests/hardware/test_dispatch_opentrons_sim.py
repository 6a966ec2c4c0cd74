"""The opentrons-sim backend: the exported protocol on the real Opentrons 9.0.0 simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from dispatch_support import FAST_POLICY, certify
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger
from labwright.hardware.models import RunState
from labwright.hardware.opentrons_sim_backend import OpentronsSimBackend
from labwright.hardware.step_map import protocol_actions
from labwright.simulators.deck import actions as a
from labwright.simulators.opentrons_interop.export import export_opentrons


def test_simulates_the_serial_dilution_and_maps_commands_to_steps(tmp_path: Path) -> None:
    protocol, cert = certify()
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        record = Dispatcher(OpentronsSimBackend(), ledger, FAST_POLICY).dispatch(
            protocol, cert, idempotency_key="sim-1"
        )
    assert record.state is RunState.SUCCEEDED, record.error
    assert (record.completed_steps, record.total_steps) == (3, 3)
    commands = record.results.commands
    assert all(c.status == "succeeded" for c in commands)
    # the simulator's liquid handling is the twin's expansion, step for step
    twin = [x for x in protocol_actions(protocol) if isinstance(x, a.Aspirate | a.Dispense)]
    sim = [c for c in commands if c.command_type in {"aspirate", "dispense"}]
    assert [(type(x).__name__.lower(), x.volume_ul, x.step) for x in twin] == [
        (c.command_type, c.params["volume"], c.step) for c in sim
    ]
    assert commands[-1].step == 2 and commands[-1].command_type == "comment"
    summary = record.results.summary
    assert summary["robot_type"] == "OT-2 Standard" and summary["commands"] == len(commands)
    assert summary["opentrons_python"].startswith('"""Serial dilution')
    assert any("aspirate" in line for line in record.results.log)


def test_simulator_error_fails_the_run_at_its_step(tmp_path: Path) -> None:
    """An export that breaks on the robot (a hand edit: aspirating without a tip) fails the run."""
    protocol, cert = certify()

    def broken_export(p):  # noqa: ANN001, ANN202
        return export_opentrons(p).replace(
            "    # step 1:", "    p300.aspirate(50, plate['A12'])\n    # step 1:"
        )

    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        record = Dispatcher(OpentronsSimBackend(broken_export), ledger, FAST_POLICY).dispatch(
            protocol, cert, idempotency_key="sim-broken"
        )
    assert record.state is RunState.FAILED
    err = record.error
    assert err.code == "ROBOT_COMMAND_FAILED" and err.command_type == "aspirate"
    assert "TipNotAttachedError" in err.message
    assert err.step is not None and record.results.commands[err.command_index].status == "failed"


def test_simulator_cannot_pause() -> None:
    from labwright.hardware.errors import BackendError

    with pytest.raises(BackendError, match="cannot pause"):
        OpentronsSimBackend().pause("any")
