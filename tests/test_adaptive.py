"""The adaptive scorer and `predict`'s checks on real mouse data (skipped where ../shared is absent) and from the CLI."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from slumbernet.adaptive import AdaptiveError, fit_states
from slumbernet.cli import main
from slumbernet.core import predict
from slumbernet.evaluate import agreement
from slumbernet.io import load_bandpower_table

from conftest import SAMPLES


def _table_features(shared):
    powers, expert = load_bandpower_table(shared / "mouse_zfhx3" / "baseline_bandpower.csv")
    return pd.DataFrame({"delta": powers.Delta, "theta": powers.Theta, "emg_rms": np.sqrt(powers.EMG)}), expert


def test_adaptive_scorer_on_the_real_mouse_without_labels(shared):
    "A real mouse's 24 h, no labels: kappa 0.879, REM F1 0.862 against its expert (a supervised GBM: 0.931 / 0.871)."
    feats, expert = _table_features(shared)
    fit = fit_states(feats, expert.epoch_s)
    a = agreement(expert.stages, fit.stages)
    assert fit.states == ("W", "N", "R") and a["kappa"] > 0.86 and a["f1_R"] > 0.84, a


def test_adaptive_scorer_refuses_a_real_hour_of_wake(shared):
    "Hours 16.5-18 of the real day are all Wake by the expert: no sleep state may be invented."
    feats, expert = _table_features(shared)
    hour = slice(11 * 1350, 12 * 1350)
    assert (expert.stages[hour] == 0).all()
    with pytest.raises(AdaptiveError, match="pass reference="):
        fit_states(feats.iloc[hour].reset_index(drop=True), expert.epoch_s)


def test_real_unlabelled_recordings_are_never_passed_in_silence(shared):
    "FASTER2's 4-min mice are too short to adapt to: each prediction says passed only where two stages could be compared."
    path = shared / "real_unlabelled" / "faster2_8mice_248s.edf"
    for i in range(9, 17):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p = predict(path, eeg=f"EEG{i:02d}", emg=f"EMG{i:02d}")
        assert p.checks["adaptive"].startswith("could not run") and p.checks["agreement_kappa"] is None
        compared = (np.bincount(p.stages, minlength=3) >= 10).sum() >= 2
        assert p.checks["passed"] is not None or not compared
        if p.checks["passed"] is not True:
            assert any("check them by eye" in str(w.message) for w in caught), p


def test_cli_method_is_recorded_in_summary_and_record(tmp_path):
    out = tmp_path / "out"
    assert main(["predict", str(SAMPLES / "mouse01_baseline.edf"), "--out", str(out), "--method", "adaptive", "--quiet"]) == 0
    row = pd.read_csv(out / "summary.csv").iloc[0]
    assert row["method"] == "adaptive" and row["checks"] == "passed"
    record = json.loads((out / "mouse01_baseline_slumbernet.csv.json").read_text())
    assert record["checks"]["method"] == "adaptive" and record["checks"]["agreement_kappa"] > 0.9
