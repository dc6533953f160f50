"""Preprocessing: whole-recording filters, gain invariance, shapes, features."""
import numpy as np
import pytest

from slumbernet.io import Hypnogram, Recording, SignalError
from slumbernet.preprocess import (bandpass, detect_line_noise, emg_envelope, epochs_view, prepare_epochs, resample,
                                   robust_scale)
from slumbernet.spectral import band_powers, emg_rms, epoch_features, spectrogram
from slumbernet.simulate import simulate_recording


@pytest.fixture(scope="module")
def sim():
    return simulate_recording(0.5, seed=1)


def test_filter_is_zero_phase():
    fs = 256
    t = np.arange(60 * fs) / fs
    x = np.sin(2 * np.pi * 2 * t)
    y = bandpass(x, fs, 0.5, 30)
    mid = slice(10 * fs, 50 * fs)
    assert np.argmax(np.correlate(y[mid], x[mid], "full")) == len(x[mid]) - 1  # no lag
    np.testing.assert_allclose(y[mid], x[mid], atol=0.02)


def test_filter_over_whole_recording_not_per_epoch():
    # a per-epoch filter rings at every epoch edge; the whole-recording filter does not
    fs = 256
    x = np.sin(2 * np.pi * 1.0 * np.arange(40 * fs) / fs)
    y = bandpass(x, fs, 0.5, 30)
    per_epoch = np.concatenate([bandpass(e, fs, 0.5, 30) for e in x.reshape(-1, 4 * fs)])
    edges = np.arange(4 * fs, 36 * fs, 4 * fs)
    assert np.abs(y[edges] - x[edges]).max() < 0.02 < np.abs(per_epoch[edges] - x[edges]).max()


def test_prepare_epochs_shape_labels_and_channel_order(sim):
    ep = prepare_epochs(sim.recording, sim.scores)
    assert ep.data.shape == (450, 256, 2) and ep.data.dtype == np.float32
    assert np.array_equal(ep.labels, np.where(sim.scores.scored, sim.scores.stages, -1))
    # channel 0 is the EEG of that same epoch (not interleaved with the EMG)
    eeg = bandpass(resample(sim.recording.eeg, 256, 64), 64, 0.5, 30)
    med, sd = robust_scale(eeg)
    np.testing.assert_allclose(ep.data[10, :, 0], (eeg[2560:2816] - med) / sd, atol=1e-4)
    assert abs(np.median(ep.data[..., 0])) < 0.05 and 0.8 < np.percentile(ep.data[..., 0], 75) / 0.674 < 1.2


def test_gain_does_not_change_the_network_input(sim):
    rec = sim.recording
    a = prepare_epochs(rec).data
    b = prepare_epochs(Recording(rec.eeg * 4, 256, rec.emg * 0.25)).data
    np.testing.assert_allclose(a, b, atol=1e-3)


def test_emg_envelope_tracks_stage(sim):
    ep = prepare_epochs(sim.recording, sim.scores)
    level = ep.data[..., 1].mean(1)
    st = sim.truth.stages
    assert level[st == 0].mean() > level[st == 1].mean() > level[st == 2].mean()


def test_raw_emg_mode_and_eeg_only(sim):
    ep = prepare_epochs(sim.recording, emg="raw")
    assert ep.emg_mode == "raw" and "emg_sd_uv" in ep.scaling
    eeg_only = Recording(sim.recording.eeg, 256)
    ep = prepare_epochs(eeg_only)
    assert not ep.has_emg and (ep.data[..., 1] == 0).all()


def test_hypnogram_must_match(sim):
    with pytest.raises(SignalError, match="use slumbernet.io.align first"):
        prepare_epochs(sim.recording, Hypnogram(np.zeros(10, int)))


def test_resampling_other_rates():
    fs = 500
    rec = Recording(np.random.default_rng(0).normal(0, 50, fs * 40), fs, np.random.default_rng(1).normal(0, 20, fs * 40))
    assert prepare_epochs(rec).data.shape == (10, 256, 2)
    assert emg_envelope(rec.emg, fs).shape == (40 * 64,)


def test_band_powers_of_a_sine():
    fs = 256
    x = 10 * np.sin(2 * np.pi * 7 * np.arange(40 * fs) / fs)  # power 50 µV² at 7 Hz
    for method in ("welch", "multitaper"):
        f, p = spectrogram(x, fs, method=method)
        bp = band_powers(f, p)
        np.testing.assert_allclose(bp.theta, 50, rtol=0.05)
        assert (bp.delta < 1).all() and (bp.beta < 1).all()


def test_line_noise_detection_and_emg_rms():
    fs = 256
    rng = np.random.default_rng(0)
    t = np.arange(120 * fs) / fs
    emg = rng.normal(0, 10, len(t)) + 8 * np.sin(2 * np.pi * 60 * t)
    assert detect_line_noise(emg, fs) == 60.0
    assert detect_line_noise(rng.normal(0, 10, len(t)), fs) is None
    rms = emg_rms(emg, fs)
    assert np.all(np.abs(rms - 10 * np.sqrt(1 - 10 / 128)) < 1.0)  # hum removed; white noise above 10 Hz kept


def test_epoch_features_table(sim):
    feats = epoch_features(sim.recording)
    assert list(feats.columns) == ["delta", "theta", "alpha", "beta", "gamma", "sigma", "total", "theta_delta", "emg_rms"]
    assert len(feats) == 450 and (feats > 0).all().all()


def test_epochs_view_is_a_view():
    x = np.arange(100.0)
    v = epochs_view(x, 10, 2.0)
    assert v.shape == (5, 20) and np.shares_memory(v, x)
