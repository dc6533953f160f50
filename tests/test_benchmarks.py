"""The benchmark harness: `python -m benchmarks.run --quick` runs every contender end to end and reports the absent ones."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, shared_data


@pytest.mark.slow
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
    # the default against every uncalibrated contender that ran (peers may be absent), with an interval
    ran = {n for n, r in sim.items() if r["status"] == "ok" and n != "SlumberNet default"}
    lead = res["sim_leads"]["SlumberNet default"]
    assert set(lead) == {n for n in ran if "(calibrated)" not in n} and "SlumberNet default, from scratch" in lead
    assert set(res["sim_leads"]["SlumberNet default (calibrated)"]) == {n for n in ran if n.startswith("accusleepy (")}
    assert "SlumberNet default's lead" in md
    # the surrogate's folds, one by one, beside the real table's on the same folds; without the real table (a fresh
    # machine has no ../shared) there is no surrogate, its rows above say why, and there are no folds to report
    if shared_data().exists():
        assert set(res["surrogate_folds"]["SlumberNet default"]) == {"light -> dark", "pooled"}  # --quick: the first fold
        assert "Per fold" in md and "like for like" in md
    else:
        assert "surrogate_folds" not in res and all(r["status"] == "skipped" for r in res["surrogate"].values())


def test_a_missing_package_is_reported_as_skipped():
    from benchmarks.run import _Missing, run_contender
    row = run_contender(_Missing("peer", "peer is not installed"), [])
    assert row == {"status": "skipped", "reason": "peer is not installed"}


def test_surrogate_folds_hide_the_other_halfs_labels_not_its_signal(shared):
    "Each fold trains and tests on one recording of the whole stretch: scored epochs disjoint, together all of them."
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


def _row(per_unit):
    "A result row from per-unit confusion matrices `{(group, block): C}`."
    import numpy as np
    return {"status": "ok", "units": [[g, b, np.asarray(C).tolist()] for (g, b), C in per_unit.items()]}


def test_margins_are_paired_over_units_and_leave_out_rows_scored_on_other_units():
    import numpy as np
    from benchmarks.run import margins
    perfect, sloppy = np.diag([50, 30, 10]), np.array([[45, 3, 2], [3, 25, 2], [1, 1, 8]])
    units = [("0:m1", 0), ("0:m1", 1), ("1:m2", 0), ("1:m3", 0)]
    rows = {"ref": _row({u: perfect for u in units}), "same": _row({u: perfect for u in units}),
            "worse": _row({u: sloppy for u in units}), "other units": _row({("0:m1", 0): sloppy}),
            "failed": {"status": "failed", "reason": "x"}}
    lead = margins(rows, "ref", by="group", n_boot=200)
    assert set(lead) == {"same", "worse"}  # a row scored on other epochs, or not scored, is not compared
    assert lead["same"]["kappa"] == 0 and lead["same"]["kappa_95"] == [0, 0]
    w = lead["worse"]
    assert w["units"] == 3 and w["by"] == "group"  # animals m1 (two blocks), m2, m3
    assert w["kappa"] > 0.1 and w["kappa_95"][0] > 0 and w["f1_R_95"][0] > 0  # better on every unit: the interval says so
    assert margins(rows, "ref", by="block", n_boot=10)["worse"]["units"] == 4  # blocks: each one its own unit
    hidden = {**{u: perfect for u in units}, ("1:m4", 0): np.zeros((3, 3), int)}  # a block whose labels were hidden
    rows = {"ref": _row(hidden), "worse": _row({**{u: sloppy for u in units}, ("1:m4", 0): np.zeros((3, 3), int)})}
    assert margins(rows, "ref", by="block", n_boot=10)["worse"]["units"] == 4  # is no test unit


def test_fold_figures_name_each_surrogate_fold_by_its_training_half_and_pool_both():
    import numpy as np
    from benchmarks.run import _against_real_table, fold_figures
    a, b = np.array([[40, 0, 0], [0, 20, 0], [0, 0, 10]]), np.array([[30, 5, 5], [5, 15, 0], [2, 0, 8]])
    row = _row({("0:dark", 12): a, ("0:dark", 13): a, ("1:light", 0): b})
    f = fold_figures(row)
    assert set(f) == {"light -> dark", "dark -> light", "pooled"}  # test half dark: the fold trained on the light
    assert f["light -> dark"]["kappa"] == 1.0 and f["dark -> light"]["kappa"] < 0.7
    assert f["pooled"]["n"] == 2 * a.sum() + b.sum()
    assert f["dark -> light"]["kappa"] < f["pooled"]["kappa"] < 1.0
    real = {k: {"kappa": 0.9, "f1_R": 0.8, "n": f[k]["n"] + 2} for k in ("light -> dark", "dark -> light", "pooled")}
    rt = {"range_2_98": real["light -> dark"], "range_2_98_dark_light": real["dark -> light"], "range_2_98_pooled": real["pooled"]}
    md = "\n".join(_against_real_table({"x": f}, rt))
    assert "| x | +0.100 |" in md and "but 2 drop-out rows" in md  # surrogate minus real, and the epochs that differ


@pytest.mark.slow
def test_speed_benchmark_times_the_scorer_against_reading_and_the_network_floor(tmp_path):
    env = {**os.environ, "SLUMBERNET_BENCHMARK_RESULTS": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.speed", "--hours", "0.1", "--repeat", "2", "--skip-paper"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "speed_skip_paper.json").read_text())
    runs = out["runs"]
    assert set(runs) == {"read EDF only", "read + network only", "default", "default, 10-s epochs"}  # no paper row when skipped
    for r in runs.values():
        assert r["runs"] == 2 and r["wall_range_s"][0] <= r["wall_s"] <= r["wall_range_s"][1] and r["peak_mb"] > 0
    assert out["default_vs_read"] == round(runs["default"]["wall_s"] / runs["read EDF only"]["wall_s"], 2)
    assert out["default_vs_network_floor"] == round(runs["default"]["wall_s"] / runs["read + network only"]["wall_s"], 2)
    # the network floor runs the bundled model on every epoch: it costs more than reading alone
    assert runs["read + network only"]["cpu_s"] > runs["read EDF only"]["cpu_s"]
    assert "read + network only / read-only" in (tmp_path / "speed_skip_paper.md").read_text()
    assert out["runs"]["default, 10-s epochs"]["runs"] == 2 and out["epoch_10s_vs_4s"] > 0


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the project's git history")
def test_speed_benchmark_times_the_package_at_another_revision_in_the_same_run(tmp_path):
    env = {**os.environ, "SLUMBERNET_BENCHMARK_RESULTS": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.speed", "--hours", "0.05", "--repeat", "1", "--skip-paper",
                           "--against", "HEAD"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "speed_against.json").read_text())
    assert out["default_vs_against"] == round(out["runs"]["default"]["wall_s"] / out["runs"]["default at HEAD"]["wall_s"], 2)
    assert "default / default at HEAD" in (tmp_path / "speed_against.md").read_text()


def test_tune_default_refuses_the_benchmarks_own_cohort_and_tabulates_rates_by_size():
    from benchmarks import run, tune_default
    proc = subprocess.run([sys.executable, "-m", "benchmarks.tune_default", "--seed", str(run.SEED), "--rates", "1e-4"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "benchmark's own cohort" in proc.stderr  # choosing on the test animals is refused
    row = lambda k, r: {"kappa": k, "f1_R": r, "accuracy": 0.9, "rem_as_wake": 3, "wake_as_rem": 4, "seconds": 1}
    md = tune_default.report({1: {"default, fine-tuned at 5e-05": row(0.95, 0.94), "default, fine-tuned at 0.0002": row(0.90, 0.92),
                                  "band-power GBM": row(0.96, 0.93)},
                              2: {"default, fine-tuned at 5e-05": row(0.97, 0.96), "band-power GBM": row(0.94, 0.91)}})
    body = [line for line in md.splitlines() if line.startswith("| default") or line.startswith("| band")]
    assert [line.split(" |")[0] for line in body] == ["| default, fine-tuned at 0.0002", "| default, fine-tuned at 5e-05",
                                                       "| band-power GBM"]
    assert body[1].endswith("| 0.9600 | 0.9500 |") and body[0].endswith("| - | - |")  # means only over every cohort
    assert f"`benchmarks.run` uses {run.SEED}" in md


def test_tune_default_gives_the_benchmark_its_seed_back(monkeypatch):
    from benchmarks import run, tune_default
    seen = []
    def fail(seed, rates, gbm):
        seen.append(run.SEED)
        raise RuntimeError("a contender failed")
    monkeypatch.setattr(tune_default, "_rows", fail)
    with pytest.raises(RuntimeError):
        tune_default.cohort_rows(9091, [1e-4], False)
    assert seen == [9091] and run.SEED == tune_default.BENCHMARK_SEED  # the development seed only while it runs


def test_misleep_seconds_become_4s_epochs_by_majority_and_its_codes_map_to_wnr():
    from benchmarks.contenders import misleep_epochs
    # MiSleep: 1 NREM, 2 REM, 3 Wake, 4 Init (-> Wake); SlumberNet: 0 W, 1 N, 2 R
    codes = [3, 3, 3, 1,  1, 1, 2, 1,  2, 2, 2, 3,  4, 3, 1, 1,  1, 1, 3, 3,  2, 2, 1, 1,  1, 1, 1]
    assert misleep_epochs(codes, 6).tolist() == [0, 1, 2, 0, 1, 2]  # Init counts as Wake; ties: the earliest second's
    assert misleep_epochs(codes, 5).tolist() == [0, 1, 2, 0, 1]     # the first n epochs only
    with pytest.raises(ValueError, match="fewer than 7 epochs"):
        misleep_epochs(codes, 7)                                     # never padded
    with pytest.raises(ValueError, match=r"\[0\]"):
        misleep_epochs([3, 3, 0, 3], 1)                              # an unknown code is an error, not a stage


def test_misleep_reports_a_missing_package(monkeypatch):
    import importlib.util
    from benchmarks.contenders import MiSleep
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None if name == "misleep" else real(name, *a, **k))
    ok, why = MiSleep().available()
    assert not ok and "misleep" in why and "pip install" in why
    m = MiSleep().fit([])
    assert m.train_seconds == 0 and not m.calibrated  # never trained, never calibrated


def test_the_calibration_benchmark_spends_exactly_its_budgets_and_summarises_seeds():
    import numpy as np
    import pandas as pd
    from benchmarks.active import loop, summary
    rng = np.random.default_rng(0)
    truth = np.tile(np.repeat([0, 1, 1, 2], 25), 10)
    feats = pd.DataFrame({"delta": np.exp(truth == 1) * 100, "theta": np.exp(truth == 2) * 60,
                          "emg_rms": np.exp(truth == 0) * 10}) * np.exp(0.2 * rng.normal(size=(len(truth), 3)))
    probs = np.full((len(truth), 3), 0.2); probs[np.arange(len(truth)), truth] = 0.6
    rows = [r for s in (0, 1) for strategy in ("active", "random")
            for r in loop(probs, feats, truth, strategy, s, None, budgets=(10, 30))]
    assert [sum(r["per_stage"]) for r in rows] == [10, 30] * 4
    assert all(r["calibrated"] for r in rows if r["strategy"] == "active")  # proposals hold 3 of each stage from 10 labels
    table = {(t["strategy"], t["labels"]): t for t in summary(rows)}
    assert table["active", 30]["seeds"] == 2 and table["active", 30]["kappa_min"] <= table["active", 30]["kappa_mean"]


@pytest.mark.slow
def test_human_benchmark_compares_yasa_and_the_fine_tuned_network_leaving_one_subject_out(tmp_path, shared):
    "Two DREAMS subjects, one optimiser step: each held out once, both contenders pooled, per-subject rows, REM-less folds run."
    pytest.importorskip("yasa")
    env = {**os.environ, "SLUMBERNET_BENCHMARK_RESULTS": str(tmp_path), "SLUMBERNET_DATA": str(shared)}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.human", "--subjects", "1", "7", "--steps", "1", "--rounds", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "human.json").read_text())
    assert set(out["pooled"]) == {"YASA (30 s)", "SlumberNet network, fine-tuned (30 s)", "SlumberNet network, fine-tuned (5 s)"}
    assert out["pooled"]["YASA (30 s)"]["epochs"] == 120 and out["pooled"]["SlumberNet network, fine-tuned (5 s)"]["epochs"] == 720
    assert len(out["per_subject"]) == 6 and "| 7 |" in (tmp_path / "human.md").read_text()


@pytest.mark.slow
def test_paper_cv_quick_cross_validates_by_animal_and_writes_its_table(tmp_path):
    "The GPU benchmark's harness (benchmarks/paper_cv.py; the paper network's own training is tested in test_train.py)."
    env = {**os.environ, "SLUMBERNET_BENCHMARK_RESULTS": str(tmp_path), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.paper_cv", "--quick", "--networks", "default"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "paper_cv_quick.json").read_text())
    folds = out["results"]["default"]["folds"]
    assert len(folds) == 2 and sorted(a for f in folds for a in f["test"]) == ["mouse01", "mouse02", "mouse03", "mouse04"]
    assert "| default |" in (tmp_path / "paper_cv_quick.md").read_text()


@pytest.mark.slow
def test_report_scale_quick_reports_with_processes_and_on_dask_alike(tmp_path):
    "The scale benchmark's harness (benchmarks/report_scale.py): three report runs, all exit 0, Dask's tables the same."
    pytest.importorskip("dask.distributed")
    env = {**os.environ, "SLUMBERNET_BENCHMARK_RESULTS": str(tmp_path), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.report_scale", "--quick"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "report_scale_quick.json").read_text())
    assert [r["exit"] for r in out["runs"].values()] == [0, 0, 0] and out["dask_tables_identical"]
    assert all(r["tree_peak_mb"] > 0 for r in out["runs"].values()) and "report.html" in out["report_files"]
