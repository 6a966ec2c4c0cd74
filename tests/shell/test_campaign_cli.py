"""`labwright campaign run|resume|show|report` as a user calls them, and the report in a browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[2]
COLOUR = ROOT / "examples" / "campaigns" / "colour_match.yaml"


def _json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    store = tmp_path_factory.mktemp("campaign-cli") / "ledger.sqlite"
    args = ["campaign", "run", str(COLOUR), "--optimizer", "random", "--budget", "3", "--batch", "2"]
    res = CliRunner().invoke(
        app, [*args, "--seed", "4", "--run-id", "cli-run", "--store", str(store), "--json"]
    )
    assert res.exit_code == 0, res.output
    return store, _json(res.stdout)


def test_run_json_has_every_experiment_with_its_protocol_certificate_and_measurement(ran) -> None:  # noqa: ANN001
    _, doc = ran
    assert doc["run_id"] == "cli-run" and doc["state"] == "finished"
    assert doc["budget"] == 3 and doc["batch"] == 2 and doc["optimizer"] == "random"
    assert doc["target_reached_at"] is None
    assert [e["round"] for e in doc["experiments"]] == [1, 1, 2]
    for e in doc["experiments"]:
        assert set(e["parameters"]) == {"water", "yellow", "red", "blue"}
        assert re.fullmatch(r"[0-9a-f]{64}", e["protocol_sha256"])
        assert e["certificate"]["protocol_sha256"] == e["protocol_sha256"]
        assert {"L", "a", "b", "srgb"} <= set(e["measurement"])
        assert set(e["objectives"]) == {"delta_e"}
    best = min(doc["experiments"], key=lambda e: e["objectives"]["delta_e"])
    assert doc["best"]["index"] == best["index"]


def test_resume_and_show_print_the_same_object(ran) -> None:  # noqa: ANN001
    store, doc = ran
    resumed = CliRunner().invoke(app, ["campaign", "resume", "cli-run", "--store", str(store), "--json"])
    shown = CliRunner().invoke(app, ["campaign", "show", "cli-run", "--store", str(store), "--json"])
    assert resumed.exit_code == 0 and shown.exit_code == 0, resumed.output + shown.output
    for other in (_json(resumed.stdout), _json(shown.stdout)):
        assert other["experiments"] == doc["experiments"]
        assert other["best"] == doc["best"] and other["target_reached_at"] == doc["target_reached_at"]
    assert _json(resumed.stdout)["dispatched_now"] == 0
    text = CliRunner().invoke(app, ["campaign", "show", "cli-run", "--store", str(store)])
    assert "finished (budget spent)" in text.stdout and "delta_e" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.yaml"], "missing.yaml"),
        (["run", str(COLOUR), "--optimizer", "genetic"], "optimizer"),
        (["run", str(COLOUR), "--budget", "0"], "budget"),
        (["run", str(COLOUR), "--run-id", "has space"], "run id"),
        (["run", str(ROOT / "examples" / "protocols" / "serial_dilution.yaml")], "not a campaign file"),
        (["show", "no-such-run"], "no campaign run"),
        (["resume", "no-such-run"], "no campaign run"),
    ],
)
def test_unusable_input_exits_2_with_the_problem_and_no_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    res = CliRunner().invoke(app, ["campaign", *args, "--store", str(tmp_path / "l.sqlite")])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output and "hint" in res.output


def test_report_is_one_self_contained_html_file(ran, tmp_path: Path) -> None:  # noqa: ANN001
    store, doc = ran
    out = tmp_path / "report.html"
    res = CliRunner().invoke(
        app, ["campaign", "report", "cli-run", "--store", str(store), "-o", str(out), "--baseline-seeds", "2"]
    )
    assert res.exit_code == 0, res.output
    assert str(out.resolve()) in res.stdout
    html = out.read_text()
    assert html.count("<svg") >= 1 + 4  # progress, one per parameter
    assert "<script" not in html and "<link" not in html  # nothing loaded from elsewhere
    assert not re.search(r"(src|href)=\"https?://", html)
    for e in doc["experiments"]:
        assert e["protocol_sha256"][:16] in html and e["certificate"]["signature"][:16] in html
    assert "random baseline" in html


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(
    _chromium() is None, reason="headless Chromium is not installed (apt-get install chromium)"
)
def test_the_report_renders_its_plots_in_headless_chromium(ran, tmp_path: Path) -> None:  # noqa: ANN001
    from PIL import Image

    store, _ = ran
    out = tmp_path / "report.html"
    res = CliRunner().invoke(
        app, ["campaign", "report", "cli-run", "--store", str(store), "-o", str(out), "--baseline-seeds", "2"]
    )
    assert res.exit_code == 0, res.output
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1300,2200",
            out.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=int)

    def near(rgb: tuple[int, int, int], tol: int = 12) -> int:
        return int(np.all(np.abs(pixels - np.array(rgb)) <= tol, axis=2).sum())

    # the plot areas (#fafafa) are drawn, with this campaign's blue line and markers on them,
    # the random baseline's grey band, and the measured colours' swatches
    assert near((0xFA, 0xFA, 0xFA), 2) > 50_000
    assert near((0x1F, 0x77, 0xB4)) > 400
    assert near((0xE4, 0xE4, 0xE4), 6) > 1_000
    top = pixels[: pixels.shape[0] // 3].reshape(-1, 3)
    assert len(np.unique(top, axis=0)) > 50  # not a blank page
