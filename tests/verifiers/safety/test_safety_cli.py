"""`labwright safety pair` and `labwright safety chemical`."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from labwright.commands.safety import app

runner = CliRunner()


def test_pair_json_incompatible() -> None:
    result = runner.invoke(app, ["pair", "bleach", "1 M HCl", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["compatible"] is False
    assert {"code", "text"} <= set(data["hazards"][0])
    assert any("chlorine" in h["text"] for h in data["hazards"])
    assert any(g["id"] == 104 for g in data["groups_a"])
    assert any(g["id"] == 1 for g in data["groups_b"])
    assert data["sources"]


def test_pair_compatible_exit_0() -> None:
    result = runner.invoke(app, ["pair", "water", "ethanol", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["compatible"] is True


def test_pair_unknown_name_exit_2_with_hint() -> None:
    result = runner.invoke(app, ["pair", "DMS0", "water"])
    assert result.exit_code == 2
    assert "unknown chemical" in result.output and "did you mean" in result.output


def test_chemical_json() -> None:
    result = runner.invoke(app, ["chemical", "THF", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    comp = data["components"][0]
    assert comp["name"] == "tetrahydrofuran" and comp["cas"] == "109-99-9"
    assert comp["physical"]["boiling_point_c"] is not None
    assert any(g["id"] == 14 for g in comp["groups"])
    assert data["policy"]["refused"] is False


def test_chemical_refused_by_schedule() -> None:
    result = runner.invoke(app, ["chemical", "sarin", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["policy"]["cwc"][0]["schedule"] == 1


def test_import_is_light() -> None:
    code = (
        "import sys, labwright.verifiers.safety as s; "
        "from labwright.verifiers.safety import safety_pass, Component; "
        "import labwright.commands.safety; "
        "assert 'rdkit' not in sys.modules and 'chemicals' not in sys.modules, 'heavy import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_package_attribute_is_the_function_not_the_module() -> None:
    code = (
        "import labwright.verifiers.safety.safety_pass; "
        "from labwright.verifiers.safety import safety_pass; "
        "assert callable(safety_pass), type(safety_pass)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_safety_pass_on_database_chemicals_needs_no_rdkit() -> None:
    code = (
        "import sys; from labwright.verifiers.safety import safety_pass; "
        "from labwright.simulators.deck.events import MixEvent; "
        "from labwright.verifiers.safety.safety_pass import Component; "
        "c = {k: Component(liquid_id=k, name=n) for k, n in "
        "[('a', 'bleach'), ('b', '1 M HCl'), ('c', 'thiodiglycol')]}; "
        "f = safety_pass(c, [MixEvent(step=1, vessel='plate:A1', components=['a', 'b'], "
        "new=['b'])], []); "
        "assert {x.code for x in f} == {'SAFETY_INCOMPATIBLE', 'POLICY_CWC_REFUSED'}, f; "
        "assert 'rdkit' not in sys.modules and 'chemicals' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
