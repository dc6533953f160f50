"""The README's first commands are the contract CI runs."""
import re

import pytest

from conftest import ROOT


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    commands = [l.strip() for l in block.splitlines() if l.strip() and not l.startswith("#")]
    assert len(commands) == 2 and "slumbernet predict data_samples" in commands[0]  # install + score the samples
    command = commands[1]  # install + test
    assert "pytest" in command
    assert command in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow  # step 2 fine-tunes a network
def test_the_readme_workflow_runs_as_written(tmp_path, monkeypatch, capsys):
    """The five-step workflow's commands, run as the README gives them on a copy of the samples (calibration with
    fewer optimiser steps, to keep the test quick): each succeeds and writes what the README says."""
    import glob
    import shlex
    import shutil

    import pandas as pd

    from slumbernet.cli import main
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Your lab's workflow.*?```console\n(.*?)```", readme, re.S).group(1)
    commands = [shlex.split(l.split("#")[0]) for l in block.splitlines() if l.strip()]
    assert [c[1] for c in commands] == ["compare", "calibrate", "compare", "predict"]
    shutil.copytree(ROOT / "data_samples", tmp_path / "data_samples")
    monkeypatch.chdir(tmp_path)
    for argv in commands:
        argv = [a for arg in argv[1:] for a in (sorted(glob.glob(arg)) if "*" in arg else [arg])]
        if argv[0] == "calibrate": argv += ["--steps", "3", "--rounds", "1"]
        assert main(argv) == 0, (argv, capsys.readouterr())
    assert "simulated mice only" in (tmp_path / "check" / "comparison.md").read_text()
    assert "calibrated on 2 scored recording(s)" in (tmp_path / "check_ours" / "comparison.md").read_text()
    assert len(pd.read_csv(tmp_path / "check_ours" / "comparison.csv")) == 3  # mouse02's two days and "all"
    assert (pd.read_csv(tmp_path / "scored" / "summary.csv").status == "scored").sum() == 8


def test_the_home_page_says_what_the_readme_says():
    "nbs/index.ipynb (the documentation site's home) carries the README's text (scripts/sync_index.py writes it)."
    import runpy
    sync = runpy.run_path(str(ROOT / "scripts" / "sync_index.py"))
    assert sync["main"](["--check"]) == 0
