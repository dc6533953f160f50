"""predict: scores a recording out of the box with the bundled model; bad input gets clear errors."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLES
from slumbernet.core import Prediction, bundled_model_path, default_model, flag_impossible, merge_short_bouts, predict
from slumbernet.evaluate import agreement
from slumbernet.io import (MissingFileError, OutputExistsError, Recording, SignalError, SlumberNetError,
                           SlumberNetWarning, load_recording, load_scores)
from slumbernet.model import ModelFileError

EDF = SAMPLES / "mouse01_baseline.edf"


@pytest.fixture(scope="module")
def pred():
    return predict(EDF)


def test_predict_works_with_no_other_argument(pred):
    assert isinstance(pred, Prediction) and len(pred) == 450 and pred.epoch_s == 4.0
    assert np.allclose(pred.probabilities.sum(1), 1, atol=1e-3)
    assert pred.start is not None and pred.recording_id == "mouse01_baseline"
    df = pred.to_frame()
    assert list(df.columns) == ["epoch", "onset_s", "time", "stage", "artefact", "p_W", "p_N", "p_R", "confidence",
                                "flag"]
    assert not pred.artefact.any() and (pred.flags == "").all()  # a clean recording: nothing marked
    assert (df.confidence >= 1 / 3).all()


def test_scoring_with_the_bundled_model_never_imports_tensorflow():
    import subprocess
    import sys
    code = ("import sys; from slumbernet.core import predict; p = predict(sys.argv[1]); "
            "print(p.model['engine'], 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(EDF)], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["numpy", "False", "False"]


def test_scores_do_not_depend_on_the_blas_threads(tmp_path):
    "A Dask worker starts with one BLAS thread: its probabilities must be the same bits as `slumbernet predict`'s."
    import os
    import subprocess
    import sys
    code = "import sys, numpy as np; from slumbernet.core import predict; np.save(sys.argv[2], predict(sys.argv[1]).probabilities)"
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        subprocess.run([sys.executable, "-c", code, str(SAMPLES / "mouse02_recovery.edf"), str(tmp_path / threads)],
                       env=env, check=True, capture_output=True)
    np.testing.assert_array_equal(np.load(tmp_path / "1.npy"), np.load(tmp_path / "2.npy"))


def test_bundled_model_agrees_with_the_simulated_scorer():
    # the samples were simulated with another seed than the bundled model's training data
    kappas = []
    for name in ("mouse01_baseline", "mouse02_recovery", "mouse03_baseline", "mouse04_recovery"):
        p = predict(SAMPLES / f"{name}.edf")
        kappas.append(agreement(load_scores(SAMPLES / f"{name}_scores.csv").stages, p.stages)["kappa"])
    assert np.mean(kappas) > 0.8, kappas


def test_bundled_model_metadata_records_training_and_cv():
    meta = json.loads(bundled_model_path().with_suffix(".json").read_text())
    assert meta["architecture"] == "default" and "simulated" in meta["training"]["data"]
    assert meta["cross_validation"]["groups"] == "animal" and 0 < meta["cross_validation"]["pooled"]["kappa"] <= 1
    assert bundled_model_path().stat().st_size < 5e6
    assert default_model() is default_model()  # loaded once


def test_a_recording_without_emg_is_scored_by_the_bundled_eeg_only_model(tmp_path, caplog):
    "The sample without its EMG: the EEG-only model (kappa 0.82 against the simulated scorer), from Python and the CLI."
    import logging
    from slumbernet.cli import main
    meta = json.loads(bundled_model_path(eeg_only=True).with_suffix(".json").read_text())
    assert meta["eeg_only"] and "simulated" in meta["training"]["data"] and "EEG only" in meta["training"]["summary"]
    assert bundled_model_path(eeg_only=True).stat().st_size < 5e6
    with caplog.at_level(logging.INFO, logger="slumbernet.core"):
        p = predict(SAMPLES / "mouse01_baseline.edf", emg=False)
    assert "scored by the bundled EEG-only model" in caplog.text and "EEG only" in p.model["summary"]
    assert agreement(load_scores(SAMPLES / "mouse01_baseline_scores.csv").stages, p.stages)["kappa"] > 0.8
    assert main(["predict", str(SAMPLES / "mouse01_baseline.edf"), "--emg", "none", "--out", str(tmp_path), "--quiet"]) == 0
    assert pd.read_csv(tmp_path / "summary.csv").status.tolist() == ["scored"]


def test_write_formats_round_trip(pred, tmp_path):
    for name, fmt in (("p.csv", None), ("p.edf", None), ("p_acc.csv", "accusleep")):
        pred.write(tmp_path / name, format=fmt)
        back = load_scores(tmp_path / name, epoch_s=4)
        assert np.array_equal(back.stages, pred.stages)
    with pytest.raises(OutputExistsError):
        pred.write(tmp_path / "p.csv")


def test_low_confidence_epochs_are_listed_least_sure_first(pred):
    low = pred.low_confidence(0.9)
    assert (low.confidence < 0.9).all() and low.confidence.is_monotonic_increasing


def test_post_processing_rules():
    p = np.array([[.8, .2, 0], [.3, .2, .5], [.3, .2, .5], [.1, .8, .1], [.2, .7, .1]])
    st, flags = flag_impossible(p.argmax(1), p)
    assert flags.tolist() == ["", "W->R", "", "", ""] and st.tolist() == [0, 2, 2, 1, 1]
    st, flags = flag_impossible(p.argmax(1), p, fix=True)
    assert st.tolist() == [0, 0, 0, 1, 1]
    st, changed = merge_short_bouts(np.array([1, 1, 1, 0, 1, 1, 2, 2, 2]), np.full((9, 3), 1 / 3), 2)
    assert st.tolist() == [1, 1, 1, 1, 1, 1, 2, 2, 2] and changed.tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_predict_options(pred):
    p2 = predict(EDF, impossible="flag", min_bout_epochs=3)
    starts = np.r_[0, np.flatnonzero(np.diff(p2.stages)) + 1]
    assert (np.diff(np.r_[starts, len(p2)]) >= 3).all()
    with pytest.raises(ValueError, match="impossible must be"):
        predict(EDF, impossible="maybe")


def test_predict_bad_inputs(tmp_path):
    with pytest.raises(MissingFileError, match="nope.edf: file not found"):
        predict(tmp_path / "nope.edf")
    rng = np.random.default_rng(0)
    eeg_only = Recording(rng.normal(0, 50, 256 * 60), 256.0)
    with pytest.raises(SlumberNetError, match="has no EMG, but this model needs it"):
        predict(eeg_only, bundled_model_path())  # a model named that needs EMG (none named: the EEG-only one scores it)
    short = Recording(rng.normal(0, 50, 500), 256.0, rng.normal(0, 10, 500))
    with pytest.raises(SignalError, match="shorter than one 4-s epoch"):
        predict(short)
    with pytest.raises(ModelFileError, match="not found"):
        predict(EDF, model=tmp_path / "missing.keras")
    shutil.copy(bundled_model_path(), tmp_path / "m.keras")
    shutil.copy(bundled_model_path().with_suffix(".json"), tmp_path / "m.json")
    data = bytearray((tmp_path / "m.keras").read_bytes()); data[1000] ^= 0xFF
    (tmp_path / "m.keras").write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="SHA-256 does not match"):
        predict(EDF, model=tmp_path / "m.keras")


@pytest.mark.parametrize("subsample", [False, True])
def test_scoring_in_chunks_equals_scoring_in_one_piece(pred, monkeypatch, subsample):
    # 3-min chunks (10 of them), each read with 60 s on either side; the temporal head reads all the encodings at once
    if subsample:  # normalisation statistics from every k-th sample, as for recordings over 8.7 h
        import slumbernet.preprocess as pp
        monkeypatch.setattr(pp, "_SCALE_SAMPLES", 20_000)
        pred = predict(EDF)
    streamed = predict(EDF, chunk_s=180)
    assert np.allclose(streamed.probabilities, pred.probabilities, atol=1e-5)
    assert np.array_equal(streamed.stages, pred.stages) and streamed.start == pred.start
    assert not streamed.artefact.any()
    # the EEG spectra, chunk by chunk, are those of one piece to float32 rounding (of the filters at the chunks' edges)
    assert streamed.eeg_psd_uv2_hz.dtype == np.float32 and np.array_equal(streamed.psd_freqs_hz, pred.psd_freqs_hz)
    np.testing.assert_allclose(streamed.eeg_psd_uv2_hz, pred.eeg_psd_uv2_hz, rtol=1e-3, atol=1e-5 * pred.eeg_psd_uv2_hz.max())


def _raw_spectra(rec, epoch_s, freqs):
    "Each epoch's spectrum of the raw EEG at its own rate, high-passed at 0.3 Hz as `spectral.epoch_features` does."
    from slumbernet.preprocess import bandpass
    from slumbernet.spectral import spectrogram
    f, psd = spectrogram(bandpass(rec.eeg, rec.sfreq_hz, 0.3, None), rec.sfreq_hz, epoch_s)
    return psd[:, np.isin(f, freqs)]


def test_the_spectra_predict_keeps_are_the_raw_eeg_spectra_in_uv2_per_hz(pred):
    """Per stage, the mean saved spectrum is the raw EEG's to 0.5 % over 1.5-26 Hz (0.41 % at worst on the sample);
    at the edges the network input's filters cut power: 0.5 Hz keeps 62-71 %, 1 Hz 92-95 % (its 0.5-Hz high-pass),
    30 Hz 22 % (resampling to 64 Hz, its 30-Hz low-pass). See 05_core, "The EEG spectrum of each epoch"."""
    f = pred.psd_freqs_hz
    assert (f[0], f[-1], len(f)) == (0.5, 30.0, 60) and pred.eeg_psd_uv2_hz.shape == (len(pred), 60)
    raw = _raw_spectra(load_recording(EDF), 4.0, f)
    mid = (f >= 1.5) & (f <= 26)
    for stage in range(3):
        ratio = pred.eeg_psd_uv2_hz[pred.stages == stage].mean(0) / raw[pred.stages == stage].mean(0)
        assert np.abs(ratio[mid] - 1).max() < 0.005, (stage, ratio)
        assert 0.5 < ratio[0] < 0.8 and 0.85 < ratio[1] < 1 and ratio[-1] < 0.3
    # per epoch, too: 98 % of the epochs' bins in 1.5-26 Hz within 2 % (the resampled signal's noise differs a little)
    per_epoch = pred.eeg_psd_uv2_hz[:, mid] / raw[:, mid]
    assert np.mean(np.abs(per_epoch - 1) < 0.02) > 0.98
    # absolute units: a recording recorded at twice the gain has four times the power (normalisation undone)
    rec = load_recording(EDF)
    doubled = predict(Recording(2 * rec.eeg, rec.sfreq_hz, rec.emg, rec.start, source=EDF))
    np.testing.assert_allclose(doubled.eeg_psd_uv2_hz, 4 * pred.eeg_psd_uv2_hz, rtol=1e-3, atol=1e-5 * pred.eeg_psd_uv2_hz.max())
    # normalised by another recording (reference=, for a day of sleep deprivation): the same µV²/Hz
    by_reference = predict(EDF, reference=SAMPLES / "mouse01_recovery.edf")
    np.testing.assert_allclose(by_reference.eeg_psd_uv2_hz, pred.eeg_psd_uv2_hz, rtol=1e-3, atol=1e-5 * pred.eeg_psd_uv2_hz.max())


@pytest.fixture(scope="module")
def clean():
    return load_recording(EDF)


def _spoil(rec, channel, t0_s, t1_s, how):
    eeg, emg = rec.eeg.copy(), rec.emg.copy()
    x = eeg if channel == "EEG" else emg
    a, b = int(t0_s * rec.sfreq_hz), int(t1_s * rec.sfreq_hz)
    if how == "clip":
        rail = float(np.abs(x).max())
        x[a:b] = np.clip(x[a:b] * 50, -rail, rail)  # an amplifier driven into its rails
    else:
        x[a:b] = how
    return Recording(eeg, rec.sfreq_hz, emg, rec.start, source=EDF)


@pytest.mark.parametrize("channel, how, reason", [("EEG", np.nan, "EEG non-finite"), ("EMG", np.inf, "EMG non-finite"),
                                                  ("EEG", 12.5, "EEG flat"), ("EEG", "clip", "EEG clipped"),
                                                  ("EMG", 0.0, "EMG flat")])
@pytest.mark.parametrize("chunk_s", [None, 300])
def test_signal_problems_are_marked_as_artefact_not_guessed(clean, pred, channel, how, reason, chunk_s, tmp_path):
    bad = _spoil(clean, channel, 400, 440, how)  # epochs 100 to 109
    with pytest.warns(SlumberNetWarning, match=rf"mouse01_baseline\.edf: 10 epochs \(40\.0 s\) have signal problems and "
                                               rf"are marked as artefact: {reason} in 10 epochs \(00:06:40\.0-00:07:20\.0\)"):
        p = predict(bad, chunk_s=chunk_s)
    assert np.flatnonzero(p.artefact).tolist() == list(range(100, 110))
    assert (p.flags[100:110] == f"artefact: {reason}").all() and (np.delete(p.flags, range(100, 110)) == "").all()
    assert np.isfinite(p.probabilities).all() and p.hypnogram.artefact.sum() == 10
    far = np.r_[0:80, 130:len(p)]  # away from the bad stretch the scores hardly change
    assert np.mean(p.stages[far] == pred.stages[far]) > 0.95
    csv, edf, acc = (p.write(tmp_path / n, format=f) for n, f in (("p.csv", None), ("p.edf", None), ("a.csv", "accusleep")))
    for path in (csv, edf):
        assert np.flatnonzero(load_scores(path, epoch_s=4).artefact).tolist() == list(range(100, 110))
    back = load_scores(acc, epoch_s=4)  # AccuSleep has no artefact code: undefined
    assert (back.stages[100:110] == -1).all() and np.array_equal(np.delete(back.stages, range(100, 110)),
                                                                 np.delete(p.stages, range(100, 110)))


def test_a_channel_without_any_finite_sample_is_refused(clean):
    lost = Recording(clean.eeg, clean.sfreq_hz, np.full_like(clean.emg, np.nan), clean.start, source=EDF)
    for chunk_s in (None, 300):
        with pytest.raises(SignalError, match=r"mouse01_baseline\.edf: EMG channel 'EMG' holds no finite samples "
                                              r"\(NaN/Inf throughout its 30\.0 min\): nothing to score"):
            predict(lost, chunk_s=chunk_s)


@pytest.fixture(scope="module")
def four_hours():
    from slumbernet.simulate import random_animal, simulate_recording
    return simulate_recording(hours=4, seed=123, animal=random_animal(123))


@pytest.mark.parametrize("epoch_s", [10.0, 2.0, 2.5])
def test_any_epoch_length_scores_as_well_as_the_networks_own(four_hours, epoch_s):
    """A lab scoring in 10-, 2- or 2.5-s epochs gets scores on its own grid, as good as on the network's 4-s one
    (simulated mouse, scorer's 4-s labels re-gridded: kappa 0.937-0.940 against 0.940 at 4 s)."""
    from slumbernet.grid import regrid
    sim = four_hours
    base = agreement(sim.scores.stages, predict(sim.recording).stages)["kappa"]
    pred = predict(sim.recording, epoch_s=epoch_s)
    manual = regrid(sim.scores, epoch_s)
    assert pred.epoch_s == epoch_s and len(pred) == len(manual) == int(4 * 3600 // epoch_s)
    np.testing.assert_allclose(pred.probabilities.sum(1), 1, atol=1e-5)
    assert agreement(manual.stages, pred.stages)["kappa"] > base - 0.02
    if epoch_s < 4: assert pred.checks["epochs"]["pass_offsets_s"] == [0.0, 2.0]
    # each epoch's spectrum (the windows' it overlaps, weighted by time) is the raw EEG's in that epoch: on average to
    # the Welch estimates' noise (they see different stretches: the raw 2.5-s epochs hold one 2-s Welch segment each;
    # at most 2.8 % off in a bin at 10 s, 5.9 % at 2.5 s), and epoch by epoch
    f = pred.psd_freqs_hz
    raw, mid = _raw_spectra(sim.recording, epoch_s, f), (f >= 1.5) & (f <= 25)
    assert pred.eeg_psd_uv2_hz.shape == (len(pred), 60) and len(raw) == len(pred)
    assert np.abs(pred.eeg_psd_uv2_hz[:, mid].mean(0) / raw[:, mid].mean(0) - 1).max() < (0.04 if epoch_s > 4 else 0.08)
    delta = (f >= 1.5) & (f < 4)
    corr = np.corrcoef(np.log(pred.eeg_psd_uv2_hz[:, delta].sum(1)), np.log(raw[:, delta].sum(1)))[0, 1]
    assert corr > (0.95 if epoch_s > 4 else 0.75)  # 0.98 at 10 s; 0.85, 0.79 at 2, 2.5 s: the 4-s windows they lie in


def test_epoch_lengths_outside_1_to_30_s_are_refused():
    with pytest.raises(SlumberNetError, match="1 to 30 s"): predict(SAMPLES / "mouse01_baseline.edf", epoch_s=60)
