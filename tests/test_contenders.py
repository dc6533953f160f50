"""The benchmark's contenders (benchmarks/contenders.py): one interface, labels used honestly, known figures."""
import importlib.util

import numpy as np
import pandas as pd
import pytest

from benchmarks import contenders as C
from slumbernet.evaluate import agreement
from slumbernet.io import Hypnogram


@pytest.fixture(scope="module")
def cohort():
    from slumbernet.simulate import simulate_cohort
    return simulate_cohort(3, ("baseline",), hours=1, seed=1)


def _calibration_subset(hyp: Hypnogram, every: int = 4) -> Hypnogram:
    "The scores with only every `every`-th epoch revealed (the rest unscored)."
    st = np.full(len(hyp), -1, np.int8)
    st[::every] = hyp.stages[::every]
    return Hypnogram(st, hyp.epoch_s, hyp.artefact, hyp.start)


# --- helpers ---------------------------------------------------------------------------------

def test_training_labels_drop_unscored_and_artefacts():
    h = Hypnogram(np.array([0, 1, 2, -1, 1]), 4.0, np.array([0, 0, 1, 0, 0], bool))
    assert C.training_labels(h).tolist() == [0, 1, -1, -1, 1]
    with pytest.raises(ValueError, match="align"): C.training_labels(h, 6)
    with pytest.raises(ValueError, match="4-s"): C.training_labels(Hypnogram(np.zeros(3), 10.0))


def test_features_never_take_log_of_zero():
    table = pd.DataFrame({"Delta": [0.0, 2, 3, 4], "Theta": [0.0, 1, 1, 2], "Alpha": [0.0, 1, 1, 1],
                          "Beta": [0.0, 1, 1, 1], "Gamma": [0.0, 1, 1, 1], "EMG": [0.0, 5, 50, 9]})
    F = C.table_features(table)
    assert np.isnan(F[0]).all() and np.isfinite(F[1:]).all() and not np.isinf(F).any()
    for method in ("range", "median"):
        S = C.robust_scale_columns(F, method)
        assert np.isnan(S[0]).all() and np.isfinite(S[1:]).all()
    X = C.add_context(np.arange(4.0)[:, None], 2)
    assert X.shape == (4, 5) and X[0].tolist() == [0, 0, 0, 1, 2] and X[-1].tolist() == [1, 2, 3, 3, 3]


def test_available_reports_missing_packages(monkeypatch):
    real = importlib.util.find_spec
    gone = {"accusleepy", "sklearn"}
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None if name in gone else real(name, *a, **k))
    for contender, pkg in ((C.AccuSleepy(), "accusleepy"), (C.AccuSleepy(calibrated=True), "accusleepy"),
                           (C.BandPowerGBM(), "scikit-learn")):
        ok, why = contender.available()
        assert not ok and pkg in why, (contender, why)


def test_every_contender_has_the_interface():
    names = set()
    for c in C.mouse_contenders(7):
        assert isinstance(c, C.Contender) and c.name and np.isnan(c.train_seconds)
        ok, why = c.available()
        assert isinstance(ok, bool) and isinstance(why, str) and (ok or why)
        names.add(c.name)
    assert names == {"band-power GBM", "accusleepy", "accusleepy (calibrated)"}


# --- band-power GBM --------------------------------------------------------------------------

def test_gbm_scores_an_unseen_mouse(cohort):
    train, test = cohort[:2], cohort[2]
    gbm = C.BandPowerGBM().fit([(s.recording, s.scores) for s in train])
    pred = gbm.predict(test.recording)
    assert pred.shape == (C.n_epochs(test.recording),) and set(np.unique(pred)) <= {0, 1, 2}
    kappa = agreement(C.training_labels(test.scores), pred)["kappa"]
    assert kappa > 0.6, kappa
    assert gbm.train_seconds > 0


def test_gbm_ignores_unscored_and_artefact_labels(cohort):
    "Training labels come only from scored, artefact-free epochs: hide every REM epoch and REM is never learnt."
    pairs = []
    for s in cohort[:2]:
        h = s.scores
        st = np.where(h.stages == 2, -1, h.stages)  # REM unscored in one recording ...
        art = h.artefact | (h.stages == 2)  # ... and artefact-flagged in the other
        pairs.append((s.recording, Hypnogram(st if not pairs else h.stages, h.epoch_s, h.artefact if not pairs else art)))
    gbm = C.BandPowerGBM(max_iter=30).fit(pairs)
    assert gbm.model.classes_.tolist() == [0, 1]
    assert 2 not in gbm.predict(cohort[2].recording)


@pytest.mark.slow
def test_gbm_reproduces_the_real_table_reference(shared):
    "README of ../shared/data: scaled over 24 h, light 12 h -> dark 12 h: acc 0.973, kappa 0.931, REM F1 0.871."
    path = shared / "mouse_zfhx3" / "baseline_bandpower.csv"
    if not path.exists(): pytest.skip(f"{path} is absent")
    out = C.real_table_baseline(path)
    assert out["status"] == "ok"
    for r in (out["median_iqr"], out["range_2_98"]):  # the README's recipe, and the scaling the benchmark uses
        assert abs(r["kappa"] - 0.931) < 0.03, r
        assert abs(r["accuracy"] - 0.973) < 0.02, r
        assert abs(r["f1_R"] - 0.871) < 0.06, r
    # the surrogate's folds: the reverse split tests the other half, and the pooled figure is both confusions summed
    light_dark, dark_light, pooled = out["range_2_98"], out["range_2_98_dark_light"], out["range_2_98_pooled"]
    assert light_dark["n_test"] + dark_light["n_test"] == pooled["n"] == np.sum(pooled["confusion"]) > 21_000
    assert min(light_dark["kappa"], dark_light["kappa"]) < pooled["kappa"] < max(light_dark["kappa"], dark_light["kappa"])


# --- accusleepy ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def home(tmp_path_factory):
    "An empty HOME for the module: accusleepy must write nothing into the user's home."
    path = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(path)); mp.delenv("XDG_CONFIG_HOME", raising=False)
        yield path


@pytest.fixture(scope="module")
def shared_fits():
    return {}


@pytest.fixture(scope="module")
def accusleepy_model(cohort, home, shared_fits):
    pytest.importorskip("torch")
    pytest.importorskip("accusleepy")
    model = C.AccuSleepy(training_epochs=1, shared_fits=shared_fits)  # its default is 6 epochs; one keeps the test short
    ok, why = model.available()
    if not ok: pytest.skip(why)
    return model.fit(cohort[:2])  # items with .recording and .scores, as the harness passes them


def test_accusleepy_round_trip(cohort, accusleepy_model, home):
    test = cohort[2]
    pred = accusleepy_model.predict(test.recording)
    assert pred.shape == (C.n_epochs(test.recording),) and pred.dtype == np.int8
    assert set(np.unique(pred)) <= {0, 1, 2}
    assert accusleepy_model.train_seconds > 0 and accusleepy_model.failed_recordings == []
    assert not list(home.iterdir())  # nothing written into the user's home


def test_accusleepy_calibrated_uses_only_given_labels(cohort, accusleepy_model, shared_fits):
    test = cohort[2]
    cal = C.AccuSleepy(calibrated=True, training_epochs=1, shared_fits=shared_fits).fit(cohort[:2])
    assert cal.calibrated and cal.name == "accusleepy (calibrated)"
    assert cal.model is accusleepy_model.model and cal.train_seconds == accusleepy_model.train_seconds  # trained once
    assert not accusleepy_model.calibrated and accusleepy_model.name == "accusleepy"
    assert accusleepy_model.variant(True).calibrated and accusleepy_model.variant(True).model is cal.model
    sub_pred = cal.predict(test.recording, _calibration_subset(test.scores), epochs=[3, 5])
    assert sub_pred.shape == (2,)
    with pytest.raises(ValueError, match="calibration"): cal.predict(test.recording)
    subset = _calibration_subset(test.scores)
    pred = cal.predict(test.recording, subset)
    assert pred.shape == (C.n_epochs(test.recording),) and set(np.unique(pred)) <= {0, 1, 2}
    # epochs flagged as artefacts do not count, whatever their stage
    hidden = subset.stages < 0
    noisy = Hypnogram(np.where(hidden, np.arange(len(subset)) % 3, subset.stages), 4.0, subset.artefact | hidden)
    mu1, sd1 = cal.calibration_from(test.recording, subset)
    mu2, sd2 = cal.calibration_from(test.recording, noisy)
    np.testing.assert_allclose(mu1, mu2); np.testing.assert_allclose(sd1, sd2)
    no_rem = Hypnogram(np.where(subset.stages == 2, -1, subset.stages), 4.0)
    with pytest.raises(C.TooFewLabels, match=">= 3"): cal.calibration_from(test.recording, no_rem)
    # a recording accusleepy cannot calibrate is scored with the training data's calibration, and listed
    assert cal.predict(test.recording, no_rem).shape == pred.shape and test.recording.recording_id in cal.uncalibrated
