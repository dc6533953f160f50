"""The benchmark harness: `python -m benchmarks.run --quick` runs every contender end to end and reports the absent ones."""
import json
import os
import subprocess
import sys

from conftest import ROOT


def test_quick_benchmark_runs_every_contender_and_reports_skips(tmp_path):
    env = {**os.environ, "SLUMBERNET_BENCHMARK_RESULTS": str(tmp_path), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "run_quick.json").read_text())
    md = (tmp_path / "run_quick.md").read_text()
    res = out["results"]
    assert {"sim", "surrogate", "real_table", "dreams"} <= set(res)
    sim = res["sim"]
    assert {"SlumberNet default", "SlumberNet default (calibrated)", "SlumberNet default, from scratch", "SlumberNet paper",
            "band-power GBM", "accusleepy", "accusleepy (calibrated)"} <= set(sim)
    assert sim["SlumberNet default"]["status"] == "ok" and sim["SlumberNet default"]["n_epochs"] > 1000
    for dataset in ("sim", "surrogate", "dreams"):
        for name, row in res[dataset].items():
            assert row["status"] in ("ok", "skipped", "failed"), (dataset, name)
            if row["status"] == "ok": assert -1 <= row["kappa"] <= 1 and 0 <= row["accuracy"] <= 1
            else: assert row["reason"], (dataset, name)  # never dropped silently: a reason is given
            assert name in md
    assert "Simulated" in md and "not of real mice" in md  # every table says where its figures come from


def test_a_missing_package_is_reported_as_skipped():
    sys.path.insert(0, str(ROOT))
    from benchmarks.run import _Missing, run_contender
    row = run_contender(_Missing("peer", "peer is not installed"), [])
    assert row == {"status": "skipped", "reason": "peer is not installed"}


def test_surrogate_folds_hide_the_other_halfs_labels_not_its_signal(shared):
    "Each fold trains and tests on one recording of the whole stretch: scored epochs disjoint, together all of them."
    sys.path.insert(0, str(ROOT))
    from benchmarks.run import Plan, surrogate_dataset
    folds, why = surrogate_dataset(Plan.make(quick=True))
    assert why == "" and len(folds) == 2
    (train,), _, (test,) = folds[0]
    assert train.recording is test.recording and (train.group, test.group) == ("light", "dark")
    n = len(train.scores)
    assert n == int(train.recording.duration_s // 4) == 900  # --quick: the first hour, in 4-s epochs
    a, b = train.scores.scored, test.scores.scored
    assert not (a & b).any() and a[:n // 2].sum() > 0.9 * n / 2 and b[n // 2:].sum() > 0.9 * n / 2
    assert not a[n // 2:].any() and not b[:n // 2].any()
    assert folds[1][0][0] is test and folds[1][2][0] is train  # the reverse fold
