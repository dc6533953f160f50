"""Reading and writing recordings and scores: formats labs use, and the errors bad files get."""
import warnings
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from slumbernet.io import (AlignmentError, ChannelError, FileFormatError, Hypnogram, MissingFileError,
                           OutputExistsError, Recording, ScoreError, SignalError, SlumberNetError, align,
                           load_bandpower_table, load_recording, load_scores, open_recording, write_recording,
                           write_scores)

FS = 256


def make_rec(seconds=60, fs=FS, seed=0, **kw):
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    return Recording(rng.normal(0, 50, n), fs, rng.normal(0, 20, n), start=datetime(2026, 1, 5, 9), **kw)


@pytest.fixture
def edf(tmp_path):
    path = tmp_path / "m1.edf"
    write_recording(make_rec(animal_id="m1"), path)
    return path


# ---- recordings: formats ----------------------------------------------------------------

def test_edf_round_trip_keeps_signal_start_and_animal(edf):
    rec = load_recording(edf)
    ref = make_rec()
    assert rec.sfreq_hz == FS and rec.n_samples == ref.n_samples
    np.testing.assert_allclose(rec.eeg, ref.eeg, atol=0.05)  # 16-bit EDF quantisation
    np.testing.assert_allclose(rec.emg, ref.emg, atol=0.05)
    assert rec.start == datetime(2026, 1, 5, 9) and rec.animal_id == "m1"
    assert (rec.eeg_channel, rec.emg_channel) == ("EEG", "EMG")


def test_edf_channels_at_different_rates_are_resampled_to_the_highest(tmp_path):
    import pyedflib
    path = tmp_path / "mixed.edf"
    t = np.arange(60 * 512) / 512
    eeg = 100 * np.sin(2 * np.pi * 2 * t)
    emg = 30 * np.sin(2 * np.pi * 3 * t[::2])
    w = pyedflib.EdfWriter(str(path), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label="EEG1", dimension="mV", sample_frequency=512, physical_min=-1, physical_max=1,
                             digital_min=-32768, digital_max=32767),
                        dict(label="EMG nuchal", dimension="uV", sample_frequency=256, physical_min=-100,
                             physical_max=100, digital_min=-32768, digital_max=32767)])
    w.writeSamples([eeg / 1000, emg]); w.close()
    with pytest.warns(UserWarning, match="resampled to 512 Hz"):
        rec = load_recording(path)
    assert rec.sfreq_hz == 512 and len(rec.eeg) == len(rec.emg) == len(t)
    np.testing.assert_allclose(rec.eeg[1000:2000], eeg[1000:2000], atol=0.1)  # mV -> µV
    np.testing.assert_allclose(rec.emg[1000:2000], 30 * np.sin(2 * np.pi * 3 * t[1000:2000]), atol=0.5)


def test_fast_edf_reader_equals_pyedflib_with_annotations_and_mixed_rates(tmp_path):
    import pyedflib
    from slumbernet.io.edf import _edf16_reader, edf_header as _edf_header
    path = tmp_path / "annotated.edf"
    rng = np.random.default_rng(5)
    w = pyedflib.EdfWriter(str(path), 3, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label=lab, dimension="uV", sample_frequency=fs, physical_min=-500, physical_max=800,
                             digital_min=-30000, digital_max=32000) for lab, fs in (("EEG", 256), ("EMG", 128), ("X", 64))])
    w.writeSamples([rng.normal(0, 100, 30 * fs) for fs in (256, 128, 64)])
    for onset in range(0, 30, 4): w.writeAnnotation(onset, 4, "NREM")
    w.close()
    f = pyedflib.EdfReader(str(path))
    try:
        read = _edf16_reader(path, f, _edf_header(path))
        assert read is not None
        for i in range(3):
            np.testing.assert_allclose(read(i), f.readSignal(i), rtol=1e-6, atol=1e-4)
    finally:
        f.close()


def test_channels_picked_by_name_or_index(edf):
    rec = load_recording(edf, eeg=1, emg="eeg")
    assert (rec.eeg_channel, rec.emg_channel) == ("EMG", "EEG")


def test_eeg_only_is_explicit(tmp_path):
    path = tmp_path / "eeg.npy"
    np.save(path, np.random.default_rng(0).normal(0, 50, 256 * 20))
    with pytest.raises(ChannelError, match="emg=False"):
        load_recording(path, sfreq_hz=256)
    rec = load_recording(path, sfreq_hz=256, emg=False)
    assert rec.emg is None and not rec.has_emg


def test_slumbernet_text_export_rate_from_name(tmp_path):
    ref = make_rec(10)
    path = tmp_path / "mouse7-256Hz.txt"
    np.savetxt(path, np.column_stack([ref.eeg, ref.emg]), fmt="%.4f", delimiter="\t")
    rec = load_recording(path)
    assert rec.sfreq_hz == 256
    np.testing.assert_allclose(rec.emg, ref.emg, atol=1e-3)
    plain = tmp_path / "mouse7.txt"
    plain.write_text(path.read_text())
    with pytest.raises(FileFormatError, match="pass sfreq_hz="):
        load_recording(plain)


def test_csv_parquet_npz_and_units(tmp_path):
    ref = make_rec(10)
    df = pd.DataFrame({"eeg": ref.eeg / 1000, "emg": ref.emg / 1000})
    df.to_csv(tmp_path / "r.csv", index=False)
    df.to_parquet(tmp_path / "r.parquet")
    np.savez(tmp_path / "r.npz", eeg=ref.eeg, emg=ref.emg, sfreq_hz=256.0)
    for name in ("r.csv", "r.parquet"):
        rec = load_recording(tmp_path / name, sfreq_hz=256, units="mV")
        np.testing.assert_allclose(rec.eeg, ref.eeg, rtol=1e-5, atol=1e-3)
    rec = load_recording(tmp_path / "r.npz")
    assert rec.sfreq_hz == 256 and np.array_equal(rec.emg, ref.emg)


def test_csv_without_rate_is_refused(tmp_path):
    pd.DataFrame({"eeg": np.ones(10), "emg": np.ones(10)}).to_csv(tmp_path / "r.csv", index=False)
    with pytest.raises(FileFormatError, match="r.csv: CSV and Parquet recordings do not store the sampling rate"):
        load_recording(tmp_path / "r.csv")


# ---- recordings: bad input gets an error naming the file and the problem -------------------

def test_missing_file(tmp_path):
    with pytest.raises(MissingFileError, match=r"nope\.edf: file not found"):
        load_recording(tmp_path / "nope.edf")
    with pytest.raises(FileNotFoundError):
        load_scores(tmp_path / "nope.csv")


def test_not_an_edf(tmp_path):
    path = tmp_path / "notes.edf"
    path.write_text("lab notebook, not a recording\n" * 20)
    with pytest.raises(FileFormatError, match=r"notes\.edf: not an EDF/BDF file"):
        load_recording(path)


def test_truncated_edf_says_how_much_is_missing(edf, tmp_path, capfd):
    data = edf.read_bytes()
    cut = tmp_path / "cut.edf"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(FileFormatError, match=r"cut\.edf: EDF file is truncated: its header declares 60 data records"):
        load_recording(cut)
    assert capfd.readouterr().out == ""  # nothing printed behind the user's back


def test_edf_header_only(edf, tmp_path):
    stub = tmp_path / "stub.edf"
    stub.write_bytes(edf.read_bytes()[:200])
    with pytest.raises(FileFormatError, match="stub.edf"):
        load_recording(stub)


def test_no_channel_matching(tmp_path):
    path = tmp_path / "odd.edf"
    write_recording(Recording(np.random.randn(2560), 256, np.random.randn(2560), eeg_channel="C3", emg_channel="Neck"),
                    path)
    with pytest.raises(ChannelError, match=r"odd\.edf: no channel name contains 'EEG' \(channels: 'C3', 'Neck'\)"):
        load_recording(path)
    with pytest.raises(ChannelError, match="no EEG channel named 'EEG2'"):
        load_recording(path, eeg="EEG2", emg="Neck")
    with pytest.raises(ChannelError, match="index 5 is out of range"):
        load_recording(path, eeg=5, emg=1)
    assert load_recording(path, eeg="c3", emg="neck").emg_channel == "Neck"


def test_rate_below_64_hz(tmp_path):
    path = tmp_path / "slow.npz"
    np.savez(path, eeg=np.random.randn(500), emg=np.random.randn(500), sfreq_hz=50.0)
    with pytest.raises(SignalError, match=r"slow\.npz: sampling rate 50 Hz is below 64 Hz"):
        load_recording(path)
    assert load_recording(path, min_sfreq_hz=32).sfreq_hz == 50


def test_nan_and_inf_runs_are_read_and_a_channel_without_finite_samples_refused(tmp_path):
    x = np.random.randn(256 * 60)
    x[256 * 30:256 * 31] = np.nan
    x[256 * 40] = np.inf
    np.savez(tmp_path / "gap.npz", eeg=np.random.randn(len(x)), emg=x, sfreq_hz=256.0)
    rec = load_recording(tmp_path / "gap.npz")  # a stretch: prepare_epochs marks its epochs as artefact
    assert int((~np.isfinite(rec.emg)).sum()) == 257
    np.savez(tmp_path / "lost.npz", eeg=np.random.randn(len(x)), emg=np.full(len(x), np.nan), sfreq_hz=256.0)
    with pytest.raises(SignalError, match=r"lost\.npz: EMG channel 'emg' holds no finite samples \(NaN/Inf "
                                          r"throughout its 1\.0 min\): nothing to score \(pass emg=False"):
        load_recording(tmp_path / "lost.npz")


def test_flat_channel(tmp_path):
    np.savez(tmp_path / "flat.npz", eeg=np.random.randn(2560), emg=np.zeros(2560), sfreq_hz=256.0)
    with pytest.raises(SignalError, match=r"flat\.npz: EMG channel 'emg' is flat .*emg=False"):
        load_recording(tmp_path / "flat.npz")


def test_shorter_than_one_epoch(tmp_path):
    np.savez(tmp_path / "short.npz", eeg=np.random.randn(500), emg=np.random.randn(500), sfreq_hz=256.0)
    with pytest.raises(SignalError, match=r"short\.npz: recording is 1.95 s long, shorter than one 4-s epoch"):
        load_recording(tmp_path / "short.npz")


def test_unknown_file_type_and_empty_file(tmp_path):
    (tmp_path / "x.wav").write_bytes(b"RIFF")
    with pytest.raises(FileFormatError, match="unknown recording file type '.wav'"):
        load_recording(tmp_path / "x.wav")
    (tmp_path / "e.edf").write_bytes(b"")
    with pytest.raises(FileFormatError, match="e.edf: file is empty"):
        load_recording(tmp_path / "e.edf")


# ---- recordings: MATLAB .mat (AccuSleep, MiSleep) -------------------------------------------

def _write_mat73(path, variables):
    """A MATLAB v7.3 file as MATLAB writes one (SciPy cannot): HDF5 behind a 512-byte header, dimensions
    reversed, `MATLAB_class` attributes, structs as groups, text as uint16 codes, cell arrays as references."""
    import h5py
    cls = lambda obj, name: obj.attrs.__setitem__("MATLAB_class", np.bytes_(name))
    def chars(group, name, text):
        cls(group.create_dataset(name, data=np.array([ord(c) for c in text], np.uint16)[:, None]), "char")
        return group[name]
    with h5py.File(path, "w", userblock_size=512) as f:
        def put(group, name, v):
            if isinstance(v, dict):
                g = group.create_group(name); cls(g, "struct")
                for k, x in v.items(): put(g, k, x)
            elif isinstance(v, str): chars(group, name, v)
            elif isinstance(v, list):  # a cell array of text
                refs = [chars(f.require_group("#refs#"), f"{name}{i}", x).ref for i, x in enumerate(v)]
                cls(group.create_dataset(name, data=np.array(refs, dtype=h5py.ref_dtype)[:, None]), "cell")
            else: cls(group.create_dataset(name, data=np.atleast_2d(np.asarray(v, np.float64)).T), "double")
        for k, v in variables.items(): put(f, k, v)
    with open(path, "r+b") as fh: fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(116))


def test_mat_v5_accusleep_signals_with_a_rate_variable_or_sfreq_hz(tmp_path):
    from scipy.io import savemat
    ref = make_rec(30)
    savemat(tmp_path / "both.mat", {"EEG": ref.eeg, "EMG": ref.emg, "SR": 256})  # one file holding both
    rec = load_recording(tmp_path / "both.mat")
    assert (rec.eeg_channel, rec.emg_channel, rec.sfreq_hz, rec.duration_s) == ("EEG", "EMG", 256.0, 30.0)
    np.testing.assert_array_equal(rec.emg, ref.emg)
    assert load_recording(tmp_path / "both.mat", sfreq_hz=512).sfreq_hz == 512  # the user's rate wins
    savemat(tmp_path / "EEG.mat", {"EEG": ref.eeg})  # AccuSleep's usual: one signal per file, rate from the user
    with pytest.raises(ChannelError, match=r"EEG\.mat: no variable name contains 'EMG'.*pass emg=False"):
        load_recording(tmp_path / "EEG.mat", sfreq_hz=256)
    with pytest.raises(FileFormatError, match="do not store the sampling rate; pass sfreq_hz="):
        load_recording(tmp_path / "EEG.mat", emg=False)
    with open_recording(tmp_path / "EEG.mat", sfreq_hz=256, emg=False) as r:
        assert not r.has_emg and r.n_samples == ref.n_samples


def test_mat_v73_is_read_with_h5py_in_both_layouts(tmp_path):
    ref = make_rec(20)
    _write_mat73(tmp_path / "accusleep73.mat", {"EEG": ref.eeg, "EMG": ref.emg, "fs": 256})
    rec = load_recording(tmp_path / "accusleep73.mat")
    assert rec.sfreq_hz == 256 and rec.n_samples == ref.n_samples
    np.testing.assert_array_equal(rec.eeg, ref.eeg)
    _write_mat73(tmp_path / "misleep73.mat", {"data": {"EEG_F": ref.eeg, "EMG_N": ref.emg, "channels": ["EEG_F", "EMG_N"],
                                                      "sf": np.array([256, 256]), "time": "20260105-09:00:00"}})
    rec = load_recording(tmp_path / "misleep73.mat")
    assert (rec.eeg_channel, rec.emg_channel, rec.sfreq_hz) == ("EEG_F", "EMG_N", 256.0)
    assert rec.start == datetime(2026, 1, 5, 9)
    np.testing.assert_array_equal(rec.emg, ref.emg)


def test_bad_mat_files_name_the_file_what_they_hold_and_what_was_expected(tmp_path):
    from scipy.io import savemat
    savemat(tmp_path / "labels.mat", {"labels": np.ones(900), "note": "scores", "meta": {"animal": "m1"}})
    with pytest.raises(FileFormatError, match=r"labels\.mat: holds no variable named like EEG: found 'labels' "
                                              r"\(numbers, 900\), 'note' \(text\), 'meta' \(struct: animal\); expected"):
        load_recording(tmp_path / "labels.mat")
    savemat(tmp_path / "m.mat", {"data": {"EEG": np.ones(900), "channels": ["EEG", "EMG"], "sf": 256.0}})
    with pytest.raises(FileFormatError, match=r"m\.mat: its 'channels' names 'EMG', but there is no such field"):
        load_recording(tmp_path / "m.mat")
    savemat(tmp_path / "rate.mat", {"EEG": np.ones(900), "EMG": np.ones(900), "fs": "fast"})
    with pytest.raises(FileFormatError, match=r"its 'fs' must be one number \(the sampling rate in Hz\)"):
        load_recording(tmp_path / "rate.mat")
    (tmp_path / "notes.mat").write_text("not a MATLAB file\n" * 20)
    with pytest.raises(FileFormatError, match=r"notes\.mat: not a readable MATLAB \.mat file"):
        load_recording(tmp_path / "notes.mat")
    savemat(tmp_path / "whole.mat", {"EEG": np.ones(9000), "EMG": np.ones(9000)})
    (tmp_path / "cut.mat").write_bytes((tmp_path / "whole.mat").read_bytes()[:400])
    with pytest.raises(FileFormatError, match=r"cut\.mat: not a readable MATLAB \.mat file"):
        load_recording(tmp_path / "cut.mat")

# ---- scores -------------------------------------------------------------------------------

SCO_HEADER = "".join(f"header line {i}\n" for i in range(19))


def test_slumbernet_sco_txt_with_tabs(tmp_path):
    rows = "".join(f"2026-01-05 09:00:{4 * i:02d}\t{i + 1}\t{s}\t0\t\n" for i, s in enumerate("WWNNNRRW"))
    path = tmp_path / "m1-256Hz_sco.txt"
    path.write_text(SCO_HEADER + rows)
    hyp = load_scores(path)
    assert hyp.labels.tolist() == list("WWNNNRRW") and hyp.epoch_s == 4.0
    assert hyp.start == datetime(2026, 1, 5, 9)


def test_unknown_stage_code_names_code_and_line(tmp_path):
    rows = "".join(f"2026-01-05 09:00:{4 * i:02d},{i},{s},0,\n" for i, s in enumerate(["W", "NR", "Q", "R"]))
    path = tmp_path / "s_sco.txt"
    path.write_text(SCO_HEADER + rows)
    with pytest.raises(ScoreError, match=r"s_sco\.txt: unknown stage code 'Q' at line 22"):
        load_scores(path)
    assert load_scores(path, codes={"Q": "W"}).labels.tolist() == ["W", "N", "W", "R"]


@pytest.mark.parametrize("numbers,what", [([0, 1, 3, 4], "skips 1 epoch"), ([0, 1, 1, 2], "repeats"),
                                          ([0, 2, 1, 3], "skips")])
def test_missing_duplicate_out_of_order_epochs(tmp_path, numbers, what):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"epoch": numbers, "stage": list("WWNN")}).to_csv(path, index=False)
    with pytest.raises(ScoreError, match=f"bad.csv: epoch numbering {what}"):
        load_scores(path, epoch_s=4)


def test_time_gap_in_scores(tmp_path):
    times = ["2026-01-05 09:00:00", "2026-01-05 09:00:04", "2026-01-05 09:00:12"]
    path = tmp_path / "gap.csv"
    pd.DataFrame({"time": times, "stage": list("WWN")}).to_csv(path, index=False)
    with pytest.raises(ScoreError, match="time jumps by 8 s at line 4"):
        load_scores(path)


def test_accusleep_labels(tmp_path):
    path = tmp_path / "labels.csv"
    pd.DataFrame({"brain_state": [2, 3, 3, 1, -1, 2]}).to_csv(path, index=False)
    with pytest.raises(FileFormatError, match="pass epoch_s="):
        load_scores(path)
    hyp = load_scores(path, epoch_s=2.5)
    assert hyp.labels.tolist() == ["W", "N", "N", "R", "-", "W"] and hyp.epoch_s == 2.5
    pd.DataFrame({"brain_state": [2, 7]}).to_csv(path, index=False)
    with pytest.raises(ScoreError, match="unknown AccuSleep brain_state '7' at line 3"):
        load_scores(path, epoch_s=4)


def test_score_writers_round_trip_and_never_overwrite(tmp_path):
    hyp = Hypnogram.from_labels(["W", "W", "NR", "NR*", "R", "R", "W", "-"], epoch_s=4,
                                start=datetime(2026, 1, 5, 9))
    for name, fmt in (("s.csv", None), ("s.edf", None), ("acc.csv", "accusleep")):
        write_scores(hyp, tmp_path / name, format=fmt)
        back = load_scores(tmp_path / name, epoch_s=4)
        assert np.array_equal(back.stages, hyp.stages)
        if fmt is None:
            assert np.array_equal(back.artefact, hyp.artefact) and back.start == hyp.start
        with pytest.raises(OutputExistsError, match="already exists"):
            write_scores(hyp, tmp_path / name, format=fmt)
    manual = load_scores(tmp_path / "s.csv")
    before = (tmp_path / "s.csv").read_bytes()
    with pytest.raises(OutputExistsError, match="refusing to overwrite the input file"):
        write_scores(manual, tmp_path / "s.csv", overwrite=True)
    assert (tmp_path / "s.csv").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]

def test_sleepsign_and_sirenia_writers_round_trip_unscored_and_artefacts(tmp_path):
    hyp = Hypnogram.from_labels(["W", "NR", "NR*", "R", "-", "*", "R*", "W"], epoch_s=10,
                                start=datetime(2026, 1, 5, 23, 59, 40))  # crosses midnight
    path = write_scores(hyp, tmp_path / "m1_sleepsign.txt", format="sleepsign")
    lines = path.read_text().splitlines()
    assert lines[18:21] == ["Time,Epoch No.,Stage,", ",,,", "05/01/2026 23:59:40,0,W,"]
    assert lines[23:26] == ["05/01/2026 00:00:10,3,R,".replace("05/01", "06/01"), "06/01/2026 00:00:20,4,,",
                            "06/01/2026 00:00:30,5,*,"]
    back = load_scores(path)
    assert np.array_equal(back.stages, hyp.stages) and np.array_equal(back.artefact, hyp.artefact)
    assert back.start == hyp.start and back.epoch_s == 10
    sirenia = hyp[3:6]  # Sirenia has no stage beside its 'Artifact': an unscored artefact survives
    path = write_scores(sirenia, tmp_path / "m1_sirenia.tsv", format="sirenia")
    assert path.read_text().splitlines()[:2] == ["Date\tTime\tTime from Start\tRodent Sleep",
                                                 "2026-01-06\t00:00:10\t0\tREM"]
    back = load_scores(path)
    assert np.array_equal(back.stages, sirenia.stages) and np.array_equal(back.artefact, sirenia.artefact)
    assert back.start == sirenia.start and back.epoch_s == 10
    with pytest.warns(UserWarning, match="2 artefact-flagged epochs are written as 'Artifact'"):
        write_scores(hyp, tmp_path / "lossy.tsv", format="sirenia")
    assert load_scores(tmp_path / "lossy.tsv").labels.tolist() == ["W", "N", "-", "R", "-", "-", "-", "W"]
    for name, fmt in (("m1_sleepsign.txt", "sleepsign"), ("m1_sirenia.tsv", "sirenia")):
        before = (tmp_path / name).read_bytes()
        with pytest.raises(OutputExistsError, match="already exists"):
            write_scores(hyp, tmp_path / name, format=fmt)
        assert (tmp_path / name).read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_sleepsign_writer_refuses_what_sleepsign_cannot_hold(tmp_path):
    with pytest.raises(ScoreError, match="no start time"):
        write_scores(Hypnogram.from_labels("WWN"), tmp_path / "a.txt", format="sleepsign")
    with pytest.raises(ScoreError, match="epochs last whole seconds, not 2.5 s"):
        write_scores(Hypnogram.from_labels("WWN", epoch_s=2.5, start=datetime(2026, 1, 5)), tmp_path / "a.txt",
                     format="sleepsign")
    assert list(tmp_path.iterdir()) == []
    hyp = Hypnogram.from_labels("WN-R", epoch_s=2.5)  # Sirenia keeps fractional epochs, and needs no start
    back = load_scores(write_scores(hyp, tmp_path / "a.tsv", format="sirenia"))
    assert back.labels.tolist() == ["W", "N", "-", "R"] and back.epoch_s == 2.5 and back.start is None


def test_sirenia_exports_with_numeric_or_word_stages(tmp_path):
    rows = "".join(f"11/14/2019\t{h}:{m:02d}:{s:02d} {ap}\t43783.{k}\t{10 * k}\t{c}\n" for k, (h, m, s, ap, c) in
                   enumerate([(11, 59, 40, "AM", 1), (11, 59, 50, "AM", 2), (12, 0, 0, "PM", 3), (12, 0, 10, "PM", 255)]))
    path = tmp_path / "sirenia.tsv"
    path.write_text("Date\tTime\tTime Stamp\tTime from Start\tRodent Sleep\n" + rows)
    hyp = load_scores(path)
    assert hyp.labels.tolist() == ["W", "N", "R", "-"] and hyp.epoch_s == 10
    assert hyp.start == datetime(2019, 11, 14, 11, 59, 40)  # month first, 12 PM is noon
    path.write_text("Date,Time,Sleep Stage\n2019-11-14,10:00:00,Wake\n2019-11-14,10:00:10,Non REM\n"
                    "2019-11-14,10:00:20,Artifact\n2019-11-14,10:00:40,REM\n")
    with pytest.raises(ScoreError, match="time jumps by 20 s at line 5"):
        load_scores(path)
    path.write_text("Time from Start\tRodent Sleep\n0\t3\n10\t3\n20\t4\n")  # 4: the 5 = Wake, 3 = NREM numbering
    assert load_scores(path).labels.tolist() == ["N", "N", "R"]
    path.write_text("Time from Start\tRodent Sleep\n0\t3\n10\t3\n")
    with pytest.raises(ScoreError, match=r"sirenia\.tsv: the 'Rodent Sleep' column holds the numbers 3, which do not "
                                         r"tell which of Sirenia's numberings"):
        load_scores(path)
    assert load_scores(path, codes={3: "N"}).labels.tolist() == ["N", "N"]


def test_failed_write_leaves_nothing(tmp_path):
    rec = Recording(np.random.randn(256 * 10), 250.5, np.random.randn(256 * 10))
    with pytest.raises(ValueError, match="whole number of samples per second"):
        write_recording(rec, tmp_path / "r.edf")
    assert list(tmp_path.iterdir()) == []


def test_recording_with_scores_in_one_edf(tmp_path):
    hyp = Hypnogram.from_labels("WWNNNNRRWW", start=datetime(2026, 1, 5, 9))
    rec = make_rec(40)
    write_recording(rec, tmp_path / "both.edf", hypnogram=hyp)
    back = load_scores(tmp_path / "both.edf")
    assert back.labels.tolist() == list("WWNNNNRRWW") and back.epoch_s == 4.0


def test_edf_annotations_that_are_not_stages(tmp_path):
    import pyedflib
    path = tmp_path / "ann.edf"
    w = pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label="EEG", dimension="uV", sample_frequency=256, physical_min=-500,
                             physical_max=500, digital_min=-32768, digital_max=32767)])
    w.writeSamples([np.random.randn(256 * 16)])
    w.writeAnnotation(0, 8, "Wake"); w.writeAnnotation(8, 8, "NREM"); w.writeAnnotation(3, 0, "Lights off")
    w.close()
    with pytest.raises(ScoreError, match="annotation .* reads 'Lights off'"):
        load_scores(path)
    hyp = load_scores(path, epoch_s=4, codes={"Lights off": None})
    assert hyp.labels.tolist() == list("WWNN")


# ---- alignment ----------------------------------------------------------------------------

def test_scores_longer_than_signal():
    rec = make_rec(40)
    hyp = Hypnogram.from_labels("W" * 12, start=rec.start)
    with pytest.raises(AlignmentError, match=r"scores are longer than the signal: 12 epochs of 4 s"):
        align(rec, hyp)
    with pytest.warns(UserWarning, match="dropped 2 scored epochs"):
        r2, h2 = align(rec, hyp, trim=True)
    assert len(h2) == 10 and r2.duration_s == 40


def test_a_wrong_sampling_rate_is_suggested():
    "A text file's samples read at 256 Hz when they were recorded at 512: the scores last twice the signal."
    rec = make_rec(80)
    half = Recording(rec.eeg, 512.0, rec.emg, rec.start)
    hyp = Hypnogram.from_labels("W" * 20, start=rec.start)
    with pytest.raises(AlignmentError, match=r"would fit at 256 Hz: is the sampling rate wrong\?"):
        align(half, hyp)
    with pytest.raises(AlignmentError) as e:  # scores a little longer than the signal: no such hint
        align(rec, Hypnogram.from_labels("W" * 21, start=rec.start))
    assert "sampling rate" not in str(e.value)


def test_scores_starting_late_are_an_error_unless_trimmed():
    rec = make_rec(40)
    hyp = Hypnogram.from_labels("WWNN", start=datetime(2026, 1, 5, 9, 0, 8))
    with pytest.raises(AlignmentError, match="8 s after the signal"):
        align(rec, hyp)
    with pytest.warns(UserWarning):
        r2, h2 = align(rec, hyp, trim=True)
    assert r2.start == hyp.start and r2.duration_s == 16
    np.testing.assert_array_equal(r2.eeg, rec.eeg[8 * FS:24 * FS])


def test_partial_last_epoch_is_dropped_silently():
    rec = make_rec(41)
    hyp = Hypnogram.from_labels("W" * 10, start=rec.start)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r2, _ = align(rec, hyp)
    assert r2.duration_s == 40


# ---- real files in shared/data ------------------------------------------------------------

def test_real_sleepsign_exports(shared):
    for name, n_art in (("sample.txt", 4), ("D1798_short.txt", 0), ("D1799_short.txt", 0)):
        hyp = load_scores(shared / "sleepsign" / name)
        assert len(hyp) == 80 and hyp.epoch_s == 10.0
        assert int(hyp.artefact.sum()) == n_art
        assert set(hyp.labels) == {"W"}  # W and RW are wake
    assert load_scores(shared / "sleepsign" / "D1798_short.txt").start == datetime(2018, 10, 18, 11, 5, 10)


def test_real_sleepsign_raw_export_and_length_mismatch(shared):
    rec = load_recording(shared / "sleepsign" / "raw" / "sample.txt", eeg="ch1", emg="ch2")
    assert rec.sfreq_hz == 128 and abs(rec.duration_s - 140.8) < 0.05
    with pytest.raises(ChannelError, match="pass eeg= and emg="):
        load_recording(shared / "sleepsign" / "raw" / "sample.txt")
    hyp = load_scores(shared / "sleepsign" / "sample.txt")
    with pytest.raises(AlignmentError, match="scores are longer than the signal: 80 epochs of 10 s"):
        align(rec, hyp)
    with pytest.warns(UserWarning, match="trimmed to the 14 epochs"):
        r2, h2 = align(rec, hyp, trim=True)
    assert len(h2) == 14 and r2.n_samples == 14 * 10 * 128


def test_real_nonconforming_edf_is_read_leniently(shared):
    path = shared / "dreams" / "excerpt3.edf"
    with pytest.raises(ChannelError, match="no channel name contains 'EEG'"):
        load_recording(path)
    with pytest.raises(SignalError, match="50 Hz is below 64 Hz"):
        load_recording(path, eeg="C3-A1", emg="EMG1")
    with pytest.warns(UserWarning, match="breaks the EDF specification"):
        rec = load_recording(path, eeg="C3-A1", emg="EMG1", min_sfreq_hz=32)
    assert rec.sfreq_hz == 50 and rec.duration_s == 1800
    assert 5 < np.std(rec.eeg) < 200  # µV, not V


def test_real_dreams_text_and_hypnogram(shared):
    rec = load_recording(shared / "dreams" / "excerpt1.txt", sfreq_hz=100, emg=False)
    assert rec.eeg_channel == "C3-A1" and rec.duration_s == 1800
    hyp = load_scores(shared / "dreams" / "Hypnogram_excerpt7.txt")
    assert hyp.epoch_s == 5.0 and len(hyp) == 360 and int((hyp.stages == 2).sum()) == 28


def test_real_bandpower_table(shared):
    bp, hyp = load_bandpower_table(shared / "mouse_zfhx3" / "baseline_bandpower.csv")
    assert len(bp) == len(hyp) == 21600 and hyp.epoch_s == 4.0
    assert np.bincount(hyp.stages).tolist() == [13131 + 123, 7342 + 2, 1002]

def test_real_sleepsign_export_survives_write_and_read_again(shared, tmp_path):
    real = load_scores(shared / "sleepsign" / "sample.txt")
    again = load_scores(write_scores(real, tmp_path / "again.txt", format="sleepsign"))
    assert np.array_equal(again.stages, real.stages) and np.array_equal(again.artefact, real.artefact)
    assert (again.start, again.epoch_s, len(again)) == (real.start, 10.0, 80)


def test_real_misleep_mat_file(shared):
    path = shared / "real_unlabelled" / "misleep_10min_example.mat"
    rec = load_recording(path)
    assert (rec.eeg_channel, rec.emg_channel) == ("EEG_P", "EMG_DIFF")  # picked by name among MiSleep's channels
    assert rec.sfreq_hz == 305 and rec.n_samples == 183_000 and rec.duration_s == 600
    assert rec.start == datetime(2024, 11, 4, 7, 12, 21)
    assert load_recording(path, eeg="EMG_DIFF", emg=False).eeg_channel == "EMG_DIFF"


def test_errors_share_one_base_class():
    for cls in (MissingFileError, FileFormatError, ChannelError, SignalError, ScoreError, AlignmentError,
                OutputExistsError):
        assert issubclass(cls, SlumberNetError)


# ---- hostile input (issue 7): regressions for what fuzzing found (more in test_fuzz.py) -----

def _edf_with_annotations(path, items, seconds=16, dimension="uV"):
    import pyedflib
    w = pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label="EEG", dimension=dimension, sample_frequency=FS, physical_min=-500,
                             physical_max=500, digital_min=-32768, digital_max=32767)])
    w.writeSamples([np.random.default_rng(0).normal(0, 50, FS * seconds)])
    for item in items: w.writeAnnotation(*item)
    w.close()
    return path


def test_lenient_edf_read_keeps_units_of_an_edf_plus_file(tmp_path):
    "MNE's reader skips the annotation signal: units were matched to the wrong channels and 'UV' read as volts."
    import pyedflib
    path = tmp_path / "uv.edf"
    x = 100 * np.sin(2 * np.pi * 3 * np.arange(30 * FS) / FS)
    w = pyedflib.EdfWriter(str(path), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label=lab, dimension="UV", sample_frequency=FS, physical_min=-200, physical_max=200,
                             digital_min=-32768, digital_max=32767) for lab in ("EEG", "EMG")])
    w.writeSamples([x, x]); w.writeAnnotation(0, 4, "W"); w.close()
    f = pyedflib.EdfReader(str(path)); digital = f.readSignal(0, digital=True); f.close()
    data = bytearray(path.read_bytes())
    for j in range(2):  # digital minimum out of the 16-bit range, like the DREAMS file: only MNE reads it
        data[256 + 120 * 3 + 8 * j:256 + 120 * 3 + 8 * (j + 1)] = b"-40000  "
    path.write_bytes(bytes(data))
    expected = -200 + (digital + 40000) * 400 / (32767 + 40000)
    with pytest.warns(UserWarning, match="read leniently with MNE"):
        rec = load_recording(path)
    np.testing.assert_allclose(rec.eeg, expected, atol=0.01)


def test_edf_annotations_without_duration_mark_one_epoch(tmp_path):
    path = _edf_with_annotations(tmp_path / "nodur.edf", [(0, -1, "W"), (4, -1, "NREM"), (8, -1, "REM")])
    assert load_scores(path).labels.tolist() == ["W", "N", "R"]
    path = _edf_with_annotations(tmp_path / "one.edf", [(0, 0, "W")])
    with pytest.raises(ScoreError, match=r"one\.edf: the stage annotations do not tell the epoch length"):
        load_scores(path)
    assert load_scores(path, epoch_s=4).labels.tolist() == ["W"]


def test_edf_annotation_far_away_is_refused_before_allocating(tmp_path):
    path = _edf_with_annotations(tmp_path / "far.edf", [(0, 4, "W"), (4e9, 4, "W")])
    with pytest.raises(ScoreError, match=r"far\.edf: the stage annotations span .* more than the 10,000,000"):
        load_scores(path)
    path.write_bytes(path.read_bytes().replace(b"epoch_s", b"EPOCH_S"))
    with pytest.raises(ScoreError, match="epoch_s must be a positive number"):
        load_scores(path, epoch_s=-4)


def test_written_edf_scores_keep_every_annotation(tmp_path):
    "pyedflib stores one annotation per data record (1 s): the rest were dropped without a word."
    short = Hypnogram.from_labels("WWNNR", epoch_s=0.3)  # 3 bouts in 2 s
    write_scores(short, tmp_path / "short.edf")
    assert load_scores(tmp_path / "short.edf").labels.tolist() == list("WWNNR")
    busy = Hypnogram.from_labels(["W*", "N", "R*", "W"] * 15, epoch_s=1)  # 60 bouts + 30 artefacts in 60 s
    write_scores(busy, tmp_path / "busy.edf")
    back = load_scores(tmp_path / "busy.edf")
    assert np.array_equal(back.stages, busy.stages) and np.array_equal(back.artefact, busy.artefact)
    rec = make_rec(60)
    write_recording(rec, tmp_path / "both.edf", hypnogram=busy)
    assert np.array_equal(load_scores(tmp_path / "both.edf").artefact, busy.artefact)


def test_write_recording_refuses_what_edf_cannot_hold(tmp_path):
    rec = make_rec(10)
    bad = rec.eeg.copy(); bad[100] = np.nan
    cases = [(Recording(bad, FS, rec.emg), SignalError, r"r\.edf: EEG channel 'EEG' has 1 non-finite samples"),
             (rec.crop(0, 0.5), SignalError, r"recording is 0.50 s long; EDF stores whole seconds"),
             (Recording(rec.eeg * 1e6, FS, rec.emg), SignalError, r"reaches .* µV, more than an EDF header can state"),
             (Recording(rec.eeg, FS, rec.emg, start=datetime(1900, 1, 1)), FileFormatError,
              r"EDF stores start dates from 1985 to 2084 only; this one starts on 1900-01-01")]
    for r, cls, phrase in cases:
        with pytest.raises(cls, match=phrase):
            write_recording(r, tmp_path / "r.edf")
    with pytest.raises(ScoreError, match="the hypnogram holds no epochs"):
        write_scores(Hypnogram(np.zeros(0, np.int8)), tmp_path / "s.csv")
    with pytest.raises(FileFormatError, match="1985 to 2084"):
        write_scores(Hypnogram.from_labels("WN", start=datetime(2100, 1, 2)), tmp_path / "s.edf")
    assert list(tmp_path.iterdir()) == []


def test_write_recording_makes_header_text_ascii_and_says_so(tmp_path):
    rec = Recording(make_rec(10).eeg, FS, make_rec(10).emg, eeg_channel="EEG µV frontal", emg_channel="EMG nuque",
                    animal_id="souris-é1")
    with pytest.warns(UserWarning, match=r"channel name 'EEG µV frontal' is written as 'EEG uV frontal'"):
        write_recording(rec, tmp_path / "m.edf")
    back = load_recording(tmp_path / "m.edf")
    assert (back.eeg_channel, back.emg_channel, back.animal_id) == ("EEG uV frontal", "EMG nuque", "souris-e1")


def test_score_rows_with_another_delimiter_are_not_dropped(tmp_path):
    "SleepSign-style files skipped any row they could not split: a last row with ';' vanished."
    rows = "".join(f"2026-01-05 09:00:{4 * i:02d},{i + 1},{s},0\n" for i, s in enumerate("WWN"))
    path = tmp_path / "m1_sco.txt"
    path.write_text(SCO_HEADER + rows + "2026-01-05 09:00:12;4;R;0\n")
    with pytest.raises(ScoreError, match=r"m1_sco\.txt: line 23 separates its fields with ';' but the rows before it "
                                         r"use ','"):
        load_scores(path)
    path.write_text(SCO_HEADER + rows.replace(",", ";"))  # all ';' is fine
    assert load_scores(path).labels.tolist() == list("WWN")


@pytest.mark.parametrize("text", ["epoch,stage\n", "brain_state\n", "[Hypnogram]\n\n"])
def test_score_file_with_a_header_and_no_rows(tmp_path, text):
    path = tmp_path / "empty_scores.csv"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=r"empty_scores\.csv: has (a|the '\[Hypnogram\]') header but no"):
        load_scores(path, epoch_s=4)


def test_score_csv_in_latin1_utf16_and_semicolons(tmp_path):
    text = "epoch;stage;note\n1;W;calme\n2;NR;\u00e9veil bref\n3;R*;\n"
    for encoding in ("latin-1", "utf-16", "utf-8-sig"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        hyp = load_scores(path, epoch_s=4)
        assert hyp.labels.tolist() == ["W", "N", "R"] and hyp.artefact.tolist() == [False, False, True]


def test_band_power_table_cells_are_checked(tmp_path):
    cols = "Stage,Delta,Theta,Alpha,Beta,Gamma,EMG\n"
    path = tmp_path / "bp.csv"
    path.write_text(cols)
    with pytest.raises(FileFormatError, match=r"bp\.csv: band-power table has a header but no rows"):
        load_bandpower_table(path, epoch_s=4)
    path.write_text(cols + "W,1,1,1,1,1,1\nNR,1,inf,1,1,1,1\n")
    with pytest.raises(FileFormatError, match=r"band powers must be non-negative numbers: Theta reads 'inf' at line 3"):
        load_bandpower_table(path, epoch_s=4)
    path.write_text(cols + "W,1,1,1,1,1,1\n,1,1,1,1,1,1\n")
    assert load_bandpower_table(path, epoch_s=4)[1].labels.tolist() == ["W", "-"]  # blank = unscored, as in score CSVs


def test_channels_chosen_from_a_list_of_names_in_order_of_preference(tmp_path):
    "Files that name channels differently: the first listed name a channel equals, else contains; else an error listing both."
    from slumbernet.io import ChannelError, load_recording, write_recording
    from slumbernet.simulate import simulate_recording
    edf = tmp_path / "r.edf"
    write_recording(simulate_recording(0.1, seed=1).recording, edf)
    assert load_recording(edf, eeg=["C4", "EE"], emg=["EMG"]).eeg_channel == "EEG"
    with pytest.raises(ChannelError, match="any of 'C4', 'C3'.*channels: 'EEG', 'EMG'"):
        load_recording(edf, eeg=["C4", "C3"])


def test_a_channel_below_the_rate_floor_is_refused_even_beside_a_fast_one(tmp_path):
    "Issue 18 item 4: an EEG at 1 Hz beside an EMG at 256 Hz was upsampled and scored; the floor holds per channel used."
    import pyedflib
    from slumbernet.io import SignalError, load_recording
    edf = tmp_path / "slow.edf"
    w = pyedflib.EdfWriter(str(edf), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label=lab, dimension="uV", sample_frequency=rate, physical_min=-500, physical_max=500,
                             digital_min=-32768, digital_max=32767) for lab, rate in (("EEG", 1), ("EMG", 256))])
    rng = np.random.default_rng(0)
    w.writeSamples([rng.normal(0, 50, 120), rng.normal(0, 20, 120 * 256)]); w.close()
    with pytest.raises(SignalError, match="channel 'EEG' is sampled at 1 Hz, below 64 Hz"):
        load_recording(edf)
    assert load_recording(edf, min_sfreq_hz=1).sfreq_hz == 256  # slower data loaded on purpose


@pytest.mark.parametrize("order", [[(0, 4, "Wake"), (4, 4, "REM"), (4, 4, "NREM"), (8, 4, "NREM")],
                                   [(0, 4, "Wake"), (4, 4, "NREM"), (4, 4, "REM"), (8, 4, "NREM")]])
def test_conflicting_stage_annotations_for_one_epoch_are_refused_whatever_their_order(tmp_path, order):
    "Issue 18 item 5: an epoch annotated REM and NREM was resolved by file order (WRN one way, WNN the other)."
    path = _edf_with_annotations(tmp_path / "clash.edf", order, seconds=12)
    with pytest.raises(ScoreError, match=r"epoch 1 \(from 4 s\) is annotated both (R and N|N and R)"):
        load_scores(path)
    same = _edf_with_annotations(tmp_path / "same.edf", [(0, 4, "Wake"), (4, 4, "NREM"), (4, 4, "NREM"), (8, 4, "NREM")],
                                 seconds=12)
    assert load_scores(same).labels.tolist() == list("WNN")  # the same stage twice is no conflict
