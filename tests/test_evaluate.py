"""Manual vs model: agreement, sleep architecture and time saved, against hand-computed values and the real mouse."""
from datetime import datetime

import numpy as np
import pytest

from slumbernet.evaluate import (architecture_difference, bouts, compare, compare_recordings, light_phase,
                                 minutes_per_hour, rem_latency_min, sleep_architecture, time_saved, transitions)
from slumbernet.io import Hypnogram, load_bandpower_table


def test_compare_excludes_and_counts_unscored_and_artefact_epochs():
    manual = Hypnogram(np.array([0, 0, 1, 1, -1, 1, 2, 2, 0, 0]), 4.0, np.array([0] * 8 + [1, 0], bool))
    c = compare(manual, np.array([0, 1, 1, 1, 0, 1, 2, 2, 2, 0]))
    assert c.excluded == {"unscored": 1, "artefact": 1}
    assert c.confusion.tolist() == [[2, 1, 0], [0, 3, 0], [0, 0, 2]]
    # chance agreement from marginals (3,3,2) and (2,4,2) over 8: (6 + 12 + 4) / 64
    pe = 22 / 64
    assert c.metrics["kappa"] == pytest.approx((7 / 8 - pe) / (1 - pe))
    assert c.metrics["f1_W"] == pytest.approx(0.8) and c.metrics["precision_N"] == pytest.approx(0.75)


def test_compare_per_condition_and_phase():
    a = Hypnogram.from_labels("WWNNRR", start=datetime(2026, 1, 5, 18, 59, 48))
    b = Hypnogram.from_labels("NNNNWW", start=datetime(2026, 1, 6, 9))
    c = compare_recordings([(a, np.array([0, 0, 1, 1, 2, 1])), (b, b.stages)], groups=["baseline", "recovery"])
    t = c.table()
    assert t.loc["baseline", "accuracy"] == pytest.approx(5 / 6) and t.loc["recovery", "accuracy"] == 1.0
    assert t.loc["all", "n"] == 12
    assert light_phase(a).tolist() == ["light"] * 3 + ["dark"] * 3
    with pytest.raises(ValueError, match="recording 1 .* 6 epochs, predicted 5"):
        compare_recordings([(a, a.stages), (b, b.stages[:5])])
    with pytest.raises(ValueError, match="no start time"):
        light_phase(Hypnogram.from_labels("WN"))


def test_architecture_of_a_small_hypnogram():
    h = Hypnogram(np.array([0, 0, 1, 1, 1, -1, 1, 2, 2, 0]), 4.0)
    b = bouts(h)
    assert b.stage.tolist() == list("WNNRW") and b.epochs.tolist() == [2, 3, 1, 2, 1]  # unscored epoch splits the NREM bout
    assert transitions(h).values.tolist() == [[1, 1, 0], [0, 2, 1], [1, 0, 1]]
    a = sleep_architecture(h)
    assert a["N_bouts"] == 2 and a["N_mean_bout_s"] == 8.0 and a["R_min"] == pytest.approx(8 / 60)
    assert a["W_%"] == pytest.approx(100 * 3 / 9)
    assert rem_latency_min(h, onset_bout_s=12) == pytest.approx((8 / 60, 20 / 60))
    assert minutes_per_hour(h, hours=20 / 3600)["N"].tolist() == pytest.approx([12 / 60, 4 / 60])
    d = architecture_difference(h, np.array([0, 0, 1, 1, 1, 1, 1, 2, 2, 0]))
    assert d.loc["N_bouts", "difference"] == -1 and d.loc["N_min", "difference"] == pytest.approx(4 / 60)


def test_real_mouse_time_in_stage_and_transitions(shared):
    _, hyp = load_bandpower_table(shared / "mouse_zfhx3" / "baseline_bandpower.csv")
    a = sleep_architecture(hyp)
    # counts from shared/data/README.md: W 13,131 + 123 flagged, NR 7,342 + 2, R 1,002
    assert [a["W_min"], a["N_min"], a["R_min"]] == pytest.approx([13254 * 4 / 60, 7344 * 4 / 60, 1002 * 4 / 60])
    assert a["N_mean_bout_s"] == pytest.approx(97, abs=0.5) and a["R_mean_bout_s"] == pytest.approx(60, abs=0.5)
    assert a["P_N->R"] == pytest.approx(0.009, abs=5e-4) and a["P_R->W"] == pytest.approx(0.065, abs=5e-4)
    assert a["P_W->R"] == 0
    assert minutes_per_hour(hyp)[["W", "N", "R"]].to_numpy().sum() == pytest.approx(24 * 60)


def test_architecture_agrees_with_yasa(shared):
    yasa = pytest.importorskip("yasa")
    _, hyp = load_bandpower_table(shared / "mouse_zfhx3" / "baseline_bandpower.csv")
    y = yasa.Hypnogram(np.array(["WAKE", "NREM", "REM"])[hyp.stages], n_stages=3, freq="4s")
    counts, probs = y.transition_matrix()
    ours = transitions(hyp)
    assert counts.loc[["WAKE", "NREM", "REM"], ["WAKE", "NREM", "REM"]].to_numpy().tolist() == ours.to_numpy().tolist()
    stats = y.sleep_statistics()
    a = sleep_architecture(hyp)
    assert stats["NREM"] == pytest.approx(a["N_min"]) and stats["REM"] == pytest.approx(a["R_min"])


def test_time_saved_is_the_ratio_of_manual_to_measured_model_time():
    class P:
        epoch_s, seconds = 4.0, {"read": 1.0, "prepare": 2.0, "score": 1.0}
        def __len__(self): return 10800  # 12 h
    t = time_saved(P(), manual_h_per_24h=4.0)
    assert t == {"recording_h": 12.0, "manual_s": 7200.0, "model_s": 4.0, "times_faster": 1800.0}


def test_a_nan_run_spoils_only_its_own_epochs_in_delta_power_and_spectra():
    "Recordings with a NaN stretch now load (its epochs are artefacts): the whole-day filters must stay finite."
    from dataclasses import replace
    from slumbernet.evaluate import nrem_delta_uv2
    from slumbernet.review import epoch_spectra
    from slumbernet.simulate import simulate_recording
    sim = simulate_recording(1.0, seed=3)
    eeg = sim.recording.eeg.copy(); eeg[600 * 256:600 * 256 + 300] = np.nan
    rec = replace(sim.recording, eeg=eeg)
    assert np.isfinite(nrem_delta_uv2(rec, sim.scores).dropna()).all() and nrem_delta_uv2(rec, sim.scores).notna().any()
    psd, *_ = epoch_spectra(rec, sim.scores)
    assert np.isfinite(psd[:140]).all() and np.isfinite(psd[160:]).all()


def test_the_examples_in_the_docstrings_run():
    import doctest
    import slumbernet.evaluate
    assert doctest.testmod(slumbernet.evaluate).failed == 0
