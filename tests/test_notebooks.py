"""Every notebook in nbs/ runs from top to bottom: they are the documentation and they test themselves.

Each runs in a process of its own, so that one notebook's networks and recordings are freed before the next
starts (in one process they added up to 8.9 GB). The fast tier runs each notebook without its cells flagged
`#| slow` (settings.ini's `tst_flags`: a simulated day or a cohort scored, for a figure); the slow tier runs the
notebooks that build or train networks, or score whole experiments, and every flagged cell."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

NBS = sorted((ROOT / "nbs").glob("*.ipynb"))
SLOW = {"03_model_networks", "04_train", "15_workflow", "workshop",  # build or train networks with TensorFlow
        "09_comparison",  # scores a re-synthesised day and a sleep-deprivation experiment
        "10_cluster",  # starts a Dask cluster
        "20_cohort_experiment"}  # simulates and scores a 30-recording experiment
FLAGGED = [p for p in NBS if p.stem not in SLOW and "#| slow" in p.read_text(encoding="utf-8")]
RUN = ("import sys; from pathlib import Path; from nbdev.test import test_nb\n"
       "ok, _ = test_nb(Path(sys.argv[1]), skip_flags=sys.argv[3:], basepath=Path(sys.argv[2])); sys.exit(not ok)")


def run_notebook(nb, *skip_flags):
    r = subprocess.run([sys.executable, "-c", RUN, str(nb), str(ROOT), *skip_flags], cwd=nb.parent, capture_output=True,
                       text=True, env={**os.environ, "MPLBACKEND": "Agg"}, timeout=1800)
    assert r.returncode == 0, f"{nb.name} failed:\n{(r.stdout + r.stderr)[-4000:]}"


@pytest.mark.parametrize("nb", [pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW else p for p in NBS],
                         ids=[p.stem for p in NBS])
def test_notebook_runs(nb):
    run_notebook(nb, *(() if nb.stem in SLOW else ("slow",)))


@pytest.mark.slow
@pytest.mark.parametrize("nb", FLAGGED, ids=[p.stem for p in FLAGGED])
def test_notebook_runs_with_its_slow_cells(nb):
    run_notebook(nb)
