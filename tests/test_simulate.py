"""The simulator: real sleep architecture, calibrated physiology, reproducible output."""
from datetime import datetime

import numpy as np
import pytest

from slumbernet.io import load_bandpower_table
from slumbernet.preprocess import bandpass
from slumbernet.spectral import band_powers, spectrogram
from slumbernet.simulate import (LABS, REAL_ARCHITECTURE, REAL_PHYSIOLOGY, architecture_summary, fit_architecture,
                                 fit_physiology, random_animal, simulate_cohort, simulate_hypnogram,
                                 simulate_recording, surrogate_from_bandpower)

# Figures of the real baseline day (shared/data/README.md), used when the file is absent too.
REAL = {"frac_W": 0.614, "frac_N": 0.340, "frac_R": 0.046,
        "mean_bout_W_s": 176.1, "mean_bout_N_s": 97.0, "mean_bout_R_s": 59.8}


def test_bout_statistics_and_stage_fractions_within_20_percent_of_the_real_mouse():
    hyp, _ = simulate_hypnogram(240, seed=11)  # ten days, pooled: one day varies by up to 20 %
    sim = architecture_summary(hyp)
    for key, real in REAL.items():
        assert abs(sim[key] - real) / real < 0.2, (key, sim[key], real)
    assert sim["p_W_to_R"] == 0.0  # mice do not go from wake straight to REM
    assert abs(sim["p_N_to_R"] - 0.009) < 0.003 and abs(sim["p_R_to_W"] - 0.065) < 0.02


def test_stored_constants_match_a_fresh_fit_of_the_real_table(shared):
    bp, hyp = load_bandpower_table(shared / "mouse_zfhx3" / "baseline_bandpower.csv")
    arch, phys = fit_architecture(hyp), fit_physiology(bp, hyp)
    np.testing.assert_allclose(arch.bout_quantiles, REAL_ARCHITECTURE.bout_quantiles, atol=0.01)
    np.testing.assert_allclose(arch.transitions, REAL_ARCHITECTURE.transitions, atol=1e-4)
    np.testing.assert_allclose(phys.log_median, REAL_PHYSIOLOGY.log_median, atol=2e-3)
    np.testing.assert_allclose(phys.log_sd, REAL_PHYSIOLOGY.log_sd, atol=2e-3)


def test_sleep_deprivation_then_recovery():
    base = [simulate_hypnogram(12, "baseline", seed=s)[0] for s in range(6)]
    sd = [simulate_hypnogram(12, "sleep_deprivation", sd_hours=6, seed=s)[0] for s in range(6)]
    assert all((h.stages[:5400] == 0).all() for h in sd)  # kept awake for 6 h
    nrem = lambda hs: np.mean([np.mean(h.stages[5400:8100] == 1) for h in hs])  # hours 6-9
    assert nrem(sd) > nrem(base) + 0.1
    rec, s_rec = simulate_hypnogram(3, "recovery", start=datetime(2026, 1, 6, 13), seed=1)
    _, s_base = simulate_hypnogram(3, "baseline", start=datetime(2026, 1, 6, 13), seed=1)
    assert s_rec[0] > s_base[0] + 0.2  # recovery starts with high sleep pressure


def test_same_seed_same_recording_and_animals_differ():
    a = simulate_recording(0.1, seed=5)
    b = simulate_recording(0.1, seed=5)
    c = simulate_recording(0.1, seed=6)
    assert np.array_equal(a.recording.eeg, b.recording.eeg) and np.array_equal(a.scores.stages, b.scores.stages)
    assert a.animal != c.animal


def test_stage_signatures_in_the_signal():
    sim = simulate_recording(3, seed=2, start=datetime(2026, 1, 5, 9))
    rec, truth = sim.recording, sim.truth
    f, p = spectrogram(bandpass(rec.eeg, 256, 0.3), 256)
    bp = band_powers(f, p)
    emg = rec.emg.reshape(-1, 1024).std(1)
    st = truth.stages
    med = lambda x, s: np.median(np.asarray(x)[st == s])
    assert med(bp.delta, 1) > 1.5 * med(bp.delta, 0) and med(bp.delta, 1) > 2 * med(bp.delta, 2)
    ratio = bp.theta / bp.delta
    assert med(ratio, 2) > med(ratio, 1) and med(ratio, 2) > med(ratio, 0)
    assert med(emg, 0) > 1.5 * med(emg, 1) and med(emg, 1) > med(emg, 2)


def test_scorer_disagrees_only_at_transitions():
    sim = simulate_recording(2, seed=4, scorer_error=0.5)
    st, sc = sim.truth.stages, sim.scores.stages
    diff = np.flatnonzero(st != sc)
    assert len(diff) > 0
    change = np.flatnonzero(np.diff(st)) + 1
    assert np.isin(diff, np.r_[change, change - 1]).all()


def test_other_lab_differs_in_gain_and_mains():
    ref = [random_animal(s) for s in range(20)]
    other = [random_animal(s, lab="other") for s in range(20)]
    assert np.median([a.eeg_gain for a in other]) > 1.5 * np.median([a.eeg_gain for a in ref])
    assert {a.line_hz for a in other} == {LABS["other"].line_hz} == {60.0}


def test_cohort_ids_and_days():
    cohort = simulate_cohort(2, conditions=("baseline", "sleep_deprivation", "recovery"), hours=0.05, seed=0)
    assert [c.recording.recording_id for c in cohort] == [
        "mouse01_baseline", "mouse01_sleep_deprivation", "mouse01_recovery",
        "mouse02_baseline", "mouse02_sleep_deprivation", "mouse02_recovery"]
    assert cohort[2].recording.start == datetime(2026, 1, 6, 13)


def test_surrogate_carries_the_real_band_powers(shared):
    bp, hyp = load_bandpower_table(shared / "mouse_zfhx3" / "baseline_bandpower.csv")
    sl = slice(3000, 5000)  # includes the real file's signal drop-out at epochs 3427-3474
    sur = surrogate_from_bandpower(bp.iloc[sl].reset_index(drop=True), hyp[sl], seed=1)
    f, p = spectrogram(sur.recording.eeg, 256)
    meas = band_powers(f, p).to_numpy()
    real = bp.iloc[sl].to_numpy()[:, :5]
    ok = (real > 0).all(1) & sur.scores.scored
    from scipy.stats import spearmanr
    for j in range(5):
        assert spearmanr(meas[ok, j], real[ok, j]).statistic > 0.8
    dropped = ~(bp.iloc[sl].to_numpy() > 0).all(1)
    assert dropped.sum() > 40 and sur.scores.artefact[dropped].all()
    assert np.array_equal(sur.scores.stages, hyp[sl].stages)
