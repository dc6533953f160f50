"""Human mode: YASA's staging in SlumberNet's predictions, files and comparison, on real human EEG (DREAMS)."""
import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLES
from slumbernet.cli import main
from slumbernet.core import predict

yasa = pytest.importorskip("yasa", reason="human mode needs YASA (pip install 'slumbernet[human]')")


def test_a_psg_file_is_scored_in_30_s_epochs_with_its_channels_found_by_name(shared):
    "DREAMS excerpt 3 (20 channels named by electrode site, 50 Hz): C3-A1, EMG1 and the EOG are found; 30-s and 5-s epochs."
    night = predict(shared / "dreams" / "excerpt3.edf", species="human")
    assert (night.epoch_s, len(night), night.eeg_channel, night.emg_channel) == (30.0, 60, "C3-A1", "EMG1")
    assert night.checks["method"] == "yasa" and night.verdict == "not judged"
    five = predict(shared / "dreams" / "excerpt3.edf", species="human", epoch_s=5)
    assert len(five) == 360
    np.testing.assert_allclose(five.probabilities[::6], night.probabilities, atol=1e-6)  # each 5-s epoch: its 30-s epoch


def test_the_adaptive_scorer_is_refused_for_human_recordings(shared):
    from slumbernet.io import SlumberNetError
    with pytest.raises(SlumberNetError, match="mouse physiology"):
        predict(shared / "dreams" / "excerpt1.txt", species="human", sfreq_hz=100, method="adaptive",
                model=SAMPLES.parent / "slumbernet" / "models" / "slumbernet_eeg_only.keras")


def test_compare_human_recordings_with_score_files_named_one_by_one(shared, tmp_path, capsys):
    "`slumbernet compare --species human --scores ...`: DREAMS hypnograms are not named after their recordings."
    d = shared / "dreams"
    argv = ["compare", str(d / "excerpt1.txt"), "--species", "human", "--sfreq", "100", "--out", str(tmp_path / "c"),
            "--no-figures"]
    assert main(argv + ["--scores", str(d / "Hypnogram_excerpt1.txt"), str(d / "Hypnogram_excerpt3.txt")]) == 2
    assert "--scores names 2 files for 1 recording" in capsys.readouterr().err
    assert main(argv + ["--scores", str(d / "Hypnogram_excerpt1.txt")]) == 0
    table = pd.read_csv(tmp_path / "c" / "comparison.csv")
    assert table.epoch_s.tolist() == [5.0, 5.0] and table.method[0] == "yasa" and table.kappa[0] > 0.5
    assert "YASA" in (tmp_path / "c" / "comparison.md").read_text()
