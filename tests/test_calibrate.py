"""The calibration loop: proposals a lab labels, and the calibration that follows (real mouse where ../shared exists)."""
import numpy as np
import pandas as pd
import pytest

from benchmarks.active import loop
from slumbernet.adaptive import fit_states
from slumbernet.calibrate import GAP_EPOCHS, calibrate, propose_epochs
from slumbernet.evaluate import agreement
from slumbernet.io import load_bandpower_table


def test_a_few_hundred_labels_of_the_real_mouse_beat_no_labels_and_random_picks(shared):
    "Real Zfhx3 mouse, 24 h: the adaptive scorer alone 0.879; 300 proposed labels 0.916-0.921; 300 random 0.903-0.909."
    powers, expert = load_bandpower_table(shared / "mouse_zfhx3" / "baseline_bandpower.csv")
    feats = pd.DataFrame({"delta": powers.Delta, "theta": powers.Theta, "emg_rms": np.sqrt(powers.EMG)})
    fit = fit_states(feats, expert.epoch_s)
    zero = agreement(expert.stages, fit.stages)["kappa"]
    kappas = {s: [r["kappa"] for r in loop(fit.probabilities, feats, expert.stages, s, 0, None, (30, 100, 300))]
              for s in ("active", "random")}  # the benchmark's loop: a lab's loop with the expert as the labeller
    assert kappas["active"][-1] > zero + 0.03 and kappas["active"][-1] > kappas["random"][-1], (zero, kappas)


def test_proposals_cover_every_stage_and_the_day_and_never_repeat_a_label():
    p = np.tile([[.9, .08, .02]] * 30 + [[.1, .85, .05]] * 60 + [[.05, .15, .8]] * 10, (20, 1))  # REM 10 %
    picks = propose_epochs(p, 12)
    assert np.bincount(p[picks].argmax(1), minlength=3).tolist() == [4, 4, 4]
    assert np.diff(np.sort(picks)).min() > GAP_EPOCHS and np.ptp(picks) > len(p) / 2
    labels = np.full(len(p), -1); labels[picks] = p[picks].argmax(1)
    again = propose_epochs(p, 12, labels)
    assert np.abs(again[:, None] - picks[None]).min() > GAP_EPOCHS
    assert np.bincount(p[again].argmax(1), minlength=3).tolist() == [4, 4, 4]


def test_calibration_without_every_stage_labelled_says_which_is_short():
    feats = pd.DataFrame({"delta": np.ones(50), "theta": np.ones(50), "emg_rms": np.ones(50)})
    labels = np.full(50, -1); labels[:5] = 0; labels[10:15] = 1
    with pytest.raises(ValueError, match=r"'R': 0"):
        calibrate(np.full((50, 3), 1 / 3), feats, labels)


def test_predict_by_default_calibrates_the_network_and_rescores_rem_entered_from_wake():
    """A simulated sample whose network misses REM onsets (5 of 6 REM bouts entered from Wake): auto asks the adaptive
    scorer about each, 0.98 against the network's 0.89 (relabelling every such bout, the rule before, gave 0.73)."""
    import warnings
    from conftest import SAMPLES
    from slumbernet.checks import rem_bouts
    from slumbernet.core import predict
    from slumbernet.io import load_scores
    truth = load_scores(SAMPLES / "mouse02_baseline_scores.csv").stages
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = predict(SAMPLES / "mouse02_baseline.edf", method="network")
        auto = predict(SAMPLES / "mouse02_baseline.edf")
    assert net.checks["only_rem_entry"] and sum(w for *_, w in rem_bouts(net.stages)) >= 3  # kept where asked for
    assert auto.checks["method"] == "calibrated" and "rescored by the adaptive scorer" in auto.checks["message"]
    assert sum(w for *_, w in rem_bouts(auto.stages)) == 0 and "rescored W->R" in set(auto.flags)
    kappa = lambda p: agreement(truth[:len(p.stages)], p.stages)["kappa"]
    assert kappa(auto) > kappa(net) + 0.05, (kappa(auto), kappa(net))


def test_the_docstring_examples_run():
    import doctest
    import slumbernet.calibrate
    assert doctest.testmod(slumbernet.calibrate).failed == 0
