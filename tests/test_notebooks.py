"""Every notebook in nbs/ runs from top to bottom: they are the documentation and they test themselves.

Each runs in a process of its own, so that one notebook's networks and recordings are freed before the next
starts (in one process they added up to 8.9 GB). Those that build or train networks with TensorFlow, or score
whole experiments, are the slow tier."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

NBS = sorted((ROOT / "nbs").glob("*.ipynb"))
SLOW = {"03_model", "04_train", "15_workflow", "workshop",  # build or train networks with TensorFlow
        "09_comparison",  # scores a re-synthesised day and a sleep-deprivation experiment
        "10_cluster"}  # starts a Dask cluster
RUN = ("import sys; from pathlib import Path; from nbdev.test import test_nb\n"
       "ok, _ = test_nb(Path(sys.argv[1]), basepath=Path(sys.argv[2])); sys.exit(not ok)")


@pytest.mark.parametrize("nb", [pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW else p for p in NBS],
                         ids=[p.stem for p in NBS])
def test_notebook_runs(nb):
    r = subprocess.run([sys.executable, "-c", RUN, str(nb), str(ROOT)], cwd=nb.parent, capture_output=True, text=True,
                       env={**os.environ, "MPLBACKEND": "Agg"}, timeout=1800)
    assert r.returncode == 0, f"{nb.name} failed:\n{(r.stdout + r.stderr)[-4000:]}"
