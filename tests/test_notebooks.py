"""Every notebook in nbs/ runs from top to bottom: they are the documentation and they test themselves."""
import os
from pathlib import Path

import pytest
from nbdev.test import test_nb as run_notebook  # renamed so pytest does not collect it

NBS = sorted((Path(__file__).resolve().parents[1] / "nbs").glob("*.ipynb"))


@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook_runs(nb, monkeypatch):
    monkeypatch.chdir(nb.parent)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    ok, _ = run_notebook(nb, basepath=nb.parent.parent)
    assert ok, f"{nb.name} failed"
