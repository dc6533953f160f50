"""Rigs: every rig `random_rig` draws gives a recording SlumberNet reads and scores, with its stages kept."""
import dataclasses
import warnings

import numpy as np
import pytest

from slumbernet.core import predict
from slumbernet.rigs import RIG_RATES_HZ, Rig, random_rig, record_with
from slumbernet.simulate import simulate_recording


@pytest.fixture(scope="module")
def sim():
    return simulate_recording(hours=0.5, seed=11)


@pytest.mark.parametrize("rate", [min(RIG_RATES_HZ), max(RIG_RATES_HZ)])
def test_the_slowest_and_fastest_rigs_are_scored_whole(sim, rate):
    rig = dataclasses.replace(random_rig(5), sfreq_hz=rate, eeg_band_hz=(1.0, 40.0), emg_band_hz=(10.0, 0.45 * rate))
    again = record_with(sim, rig, seed=1)
    assert again.recording.sfreq_hz == rate and again.recording.n_samples == int(sim.recording.duration_s * rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a 30-min recording is too short for the checks: they say so
        p = predict(again.recording, method="network")
    assert len(p.stages) == len(sim.truth)


def test_an_eeg_only_recording_keeps_no_emg(sim):
    eeg_only = dataclasses.replace(sim, recording=sim.recording.without_emg())
    again = record_with(eeg_only, Rig(sfreq_hz=200.0, emg_wake_nrem_ratio=3.0, emg_crosstalk=0.2))
    assert again.recording.emg is None and again.recording.sfreq_hz == 200.0


def test_weak_contrast_rig_brings_wake_emg_down_to_nrem(sim):
    "The Wake/NREM EMG RMS ratio a rig asks for is the one its recording has (within 10 %)."
    spe, n = 1024, len(sim.truth)
    for ratio in (1.2, 4.0):
        emg = record_with(sim, Rig(emg_wake_nrem_ratio=ratio)).recording.emg[:n * spe].reshape(n, spe).astype(float)
        rms = np.sqrt((emg ** 2).mean(1))
        got = np.median(rms[sim.truth.stages == 0]) / np.median(rms[sim.truth.stages == 1])
        assert abs(np.log(got / ratio)) < 0.1, (ratio, got)
