"""How fast is `labwright validate` compared with the Opentrons simulator?

Prints, in one run over the example protocols that have both a YAML and an Opentrons Python
version (examples/protocols/NAME.yaml + NAME.py):

(a) in-process, imports excluded: labwright's verification of each YAML protocol vs
    ``opentrons.simulate.simulate`` on its Python version, per protocol and the median ratio
    (target >= 50x). Each figure is the median of several warm runs.
(b) as a user runs them: one ``labwright validate examples/protocols/*.yaml`` process vs
    ``opentrons_simulate`` run once per Python file; total wall time and ratio (target >= 20x).
(c) the wall time of ``labwright validate`` on one YAML file.

Timings on shared machines are noisy; the ratios are measured in the same run.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "protocols"
BIN = Path(sys.executable).parent


def pairs() -> list[tuple[Path, Path]]:
    out = []
    for yaml_path in sorted(EXAMPLES.glob("*.yaml")):
        py = yaml_path.with_suffix(".py")
        if py.exists():
            out.append((yaml_path, py))
    return out


def median_time(fn, repeats: int) -> float:  # noqa: ANN001
    fn()  # warm
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def in_process(items: list[tuple[Path, Path]], repeats: int) -> list[tuple[str, float, float]]:
    import logging

    from labwright.protocols import read_document
    from labwright.verifiers.verifier import VerifyOptions, verify_document

    logging.disable(logging.WARNING)
    from opentrons import simulate

    rows = []
    options = VerifyOptions()
    for yaml_path, py in items:
        doc = read_document(yaml_path)

        def lw(doc=doc, name=yaml_path.name) -> None:
            report = verify_document(doc, options)
            assert report.ok, f"{name} does not validate clean"

        text = py.read_text()

        def ot(text=text, name=py.name) -> None:
            simulate.simulate(io.StringIO(text), file_name=name)

        t_lw = median_time(lw, repeats)
        t_ot = median_time(ot, max(2, repeats // 5))
        rows.append((yaml_path.stem, t_lw, t_ot))
    return rows


def as_user(items: list[tuple[Path, Path]]) -> tuple[float, float]:
    env = dict(os.environ)
    t0 = time.perf_counter()
    r = subprocess.run(
        [str(BIN / "labwright"), "validate", *[str(y) for y, _ in items]],
        capture_output=True,
        text=True,
        env=env,
    )
    t_lw = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"labwright validate failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    t0 = time.perf_counter()
    for _, py in items:
        r = subprocess.run(
            [str(BIN / "opentrons_simulate"), str(py)], capture_output=True, text=True, env=env
        )
        if r.returncode != 0:
            raise SystemExit(f"opentrons_simulate failed on {py}:\n{r.stderr[-2000:]}")
    t_ot = time.perf_counter() - t0
    return t_lw, t_ot


def one_file(path: Path, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "labwright"), "validate", str(path)], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    os.environ.setdefault("LABWRIGHT_HOME", tempfile.mkdtemp(prefix="labwright-bench-"))
    items = pairs()
    if not items:
        raise SystemExit("no example protocols with both .yaml and .py in examples/protocols")
    repeats = int(os.environ.get("BENCH_REPEATS", "20"))
    print(
        f"validate_speed: {len(items)} example protocols (YAML + Opentrons Python), "
        f"python {sys.version.split()[0]}"
    )
    print("\n(a) in-process, imports excluded (median of warm runs)")
    print(f"{'protocol':34s} {'labwright ms':>13s} {'opentrons ms':>13s} {'ratio':>8s}")
    rows = in_process(items, repeats)
    ratios = []
    for name, t_lw, t_ot in rows:
        ratios.append(t_ot / t_lw)
        print(f"{name:34s} {t_lw * 1e3:13.2f} {t_ot * 1e3:13.1f} {t_ot / t_lw:8.1f}x")
    print(f"median ratio: {statistics.median(ratios):.1f}x (target >= 50x)")
    print("\n(b) as a user runs them (wall time, fresh processes)")
    t_lw, t_ot = as_user(items)
    print(f"labwright validate (1 process, {len(items)} files): {t_lw:.2f} s")
    print(f"opentrons_simulate ({len(items)} processes):        {t_ot:.2f} s")
    print(f"ratio: {t_ot / t_lw:.1f}x (target >= 20x)")
    print("\n(c) labwright validate on one YAML file")
    print(f"{items[0][0].name}: {one_file(items[0][0]):.3f} s wall (median of 3)")


if __name__ == "__main__":
    main()
