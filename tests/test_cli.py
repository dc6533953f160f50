"""The `slumbernet` command: score a folder, keep going past a bad file, train, cross-validate, info."""
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLES
from slumbernet.cli import main
from slumbernet.cohort import LOCK_NAME, SPECTRA_SUFFIX, spectra_for
from slumbernet.io import OutputExistsError, file_sha256, read_spectra


THREE = [SAMPLES / f for f in ("mouse01_baseline.edf", "mouse02_recovery.edf", "mouse03_baseline.edf")]


def digests(folder) -> dict:
    "SHA-256 of every file in `folder` but its lock, by name."
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).iterdir()) if p.name != LOCK_NAME}


def predict(out, *extra, files=THREE) -> int:
    return main(["predict", *map(str, files), "--out", str(out), "--quiet", *extra])


def test_an_interrupted_run_resumes_and_nothing_is_overwritten(tmp_path, capsys):
    out = tmp_path / "scored"
    assert predict(out) == 0
    first = digests(out)
    assert len(first) == 10 and pd.read_csv(out / "summary.csv").status.tolist() == ["scored"] * 3  # result, record, spectra
    (out / "mouse02_recovery_slumbernet.csv").unlink()      # as if the run had stopped before this one
    assert predict(out) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert summary.status.tolist() == ["kept (exists)", "scored", "kept (exists)"] and summary.error.isna().all()
    assert summary.epochs.tolist() == [450] * 3 and (summary[["W_%", "N_%", "R_%"]].sum(axis=1).round() == 100).all()
    assert {k: v for k, v in digests(out).items() if not k.startswith("summary")} == \
        {k: v for k, v in first.items() if not k.startswith("summary")}
    # made otherwise: reported, never replaced
    assert predict(out, "--min-bout", "3") == 1
    assert capsys.readouterr().out.count("made with other options") == 3 and digests(out) != first
    assert {k: v for k, v in digests(out).items() if not k.startswith("summary")} == \
        {k: v for k, v in first.items() if not k.startswith("summary")}
    # --overwrite rewrites, and the records follow
    assert predict(out, "--min-bout", "3", "--overwrite") == 0
    rewritten = digests(out)
    assert rewritten["mouse01_baseline_slumbernet.csv"] != first["mouse01_baseline_slumbernet.csv"]
    assert predict(out, "--min-bout", "3") == 0 and digests(out)["mouse01_baseline_slumbernet.csv.json"] == \
        rewritten["mouse01_baseline_slumbernet.csv.json"]
    assert pd.read_csv(out / "summary.csv").status.tolist() == ["kept (exists)"] * 3


def test_a_result_edited_by_hand_or_without_a_record_is_reported_not_replaced(tmp_path, capsys):
    out = tmp_path / "scored"
    assert predict(out, files=THREE[:2]) == 0
    edited = out / "mouse01_baseline_slumbernet.csv"
    edited.write_text(edited.read_text().replace(",W,", ",R,", 1))
    (out / "mouse02_recovery_slumbernet.csv.json").unlink()
    before = digests(out)
    assert predict(out, files=THREE[:2]) == 1
    text = capsys.readouterr().out
    assert "changed after SlumberNet wrote it" in text and "with no record of how it was made" in text
    assert {k: v for k, v in digests(out).items() if not k.startswith("summary")} == \
        {k: v for k, v in before.items() if not k.startswith("summary")}


def test_each_result_has_its_spectra_beside_it_vouched_for_by_its_record(tmp_path):
    from slumbernet.core import predict as predict_one
    out = tmp_path / "scored"
    assert predict(out, files=THREE[:1]) == 0
    spectra = out / ("mouse01_baseline" + SPECTRA_SUFFIX)
    record = json.loads((out / "mouse01_baseline_slumbernet.csv.json").read_text())
    assert set(record) == {"made_by", "output_sha256", "summary", "checks", "spectra"}  # one field more, no other change
    assert record["spectra"] == {"file": spectra.name, "sha256": file_sha256(spectra)}
    saved, pred = read_spectra(spectra), predict_one(THREE[0])
    assert np.array_equal(saved.psd_uv2_hz, pred.eeg_psd_uv2_hz) and np.array_equal(saved.freqs_hz, pred.psd_freqs_hz)
    assert (saved.epoch_s, saved.start, saved.recording_id) == (4.0, pred.start, "mouse01_baseline")
    assert predict(out, "--min-bout", "3", "--overwrite", files=THREE[:1]) == 0  # --overwrite: a new record vouches for them
    assert json.loads((out / "mouse01_baseline_slumbernet.csv.json").read_text())["spectra"]["sha256"] == file_sha256(spectra)
    assert predict(tmp_path / "ten", "--epoch-s", "10", "--format", "edf", files=THREE[:1]) == 0  # any grid, any format
    assert len(read_spectra(tmp_path / "ten" / spectra.name)) == 180


def test_a_file_named_like_the_spectra_that_slumbernet_did_not_write_is_never_replaced(tmp_path, capsys):
    out = tmp_path / "scored"; out.mkdir()
    mine = out / ("mouse01_baseline" + SPECTRA_SUFFIX)
    mine.write_bytes(b"a lab's own analysis")
    for extra in ((), ("--overwrite",)):
        assert predict(out, *extra, files=THREE[:2]) == 1
        assert "no SlumberNet record vouches for it" in capsys.readouterr().out
        assert mine.read_bytes() == b"a lab's own analysis" and not (out / "mouse01_baseline_slumbernet.csv").exists()
        assert pd.read_csv(out / "summary.csv").status.tolist() == ["error", "scored"]  # the other recording goes on


def test_a_result_kept_from_a_run_without_spectra_stays_kept_and_spectra_for_makes_them(tmp_path):
    from slumbernet.core import predict as predict_one
    out = tmp_path / "scored"
    assert predict(out, "--epoch-s", "10", files=THREE[:2]) == 0
    for rec in THREE[:2]:  # as SlumberNet left them before it saved spectra: none, and no entry in the records
        (out / (rec.stem + SPECTRA_SUFFIX)).unlink()
        record = out / (rec.stem + "_slumbernet.csv.json")
        saved = json.loads(record.read_text()); del saved["spectra"]
        record.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n")
    assert predict(out, "--epoch-s", "10", files=THREE[:2]) == 0
    assert pd.read_csv(out / "summary.csv").status.tolist() == ["kept (exists)"] * 2  # not scored again for them
    assert not any(p.name.endswith(SPECTRA_SUFFIX) for p in out.iterdir())
    result, spectra = out / "mouse01_baseline_slumbernet.csv", out / ("mouse01_baseline" + SPECTRA_SUFFIX)
    made = spectra_for(result, THREE[0])  # computed from the recording, by the options in the record, and saved
    assert len(made) == 180 and np.array_equal(made.psd_uv2_hz, predict_one(THREE[0], epoch_s=10).eeg_psd_uv2_hz)
    assert json.loads((out / "mouse01_baseline_slumbernet.csv.json").read_text())["spectra"]["sha256"] == file_sha256(spectra)
    assert np.array_equal(spectra_for(result, THREE[0]).psd_uv2_hz, made.psd_uv2_hz)  # read back, now
    assert predict(out, "--epoch-s", "10", files=THREE[:2]) == 0
    assert pd.read_csv(out / "summary.csv").status.tolist() == ["kept (exists)"] * 2
    spectra.write_bytes(spectra.read_bytes()[:-10])  # changed since: never read as the result's
    with pytest.raises(OutputExistsError, match="no SlumberNet record vouches for it"): spectra_for(result, THREE[0])
    with pytest.raises(OutputExistsError, match="made from another recording"): spectra_for(result, THREE[1])


@pytest.mark.parametrize("fmt", ["csv", "edf", "accusleep"])
def test_same_input_and_model_give_the_same_bytes_with_one_or_two_processes(tmp_path, fmt):
    assert predict(tmp_path / "a", "--format", fmt, files=THREE[:2]) == 0
    assert predict(tmp_path / "b", "--format", fmt, "--jobs", "2", files=THREE[:2]) == 0
    a = digests(tmp_path / "a")
    assert len(a) == 7 and a == digests(tmp_path / "b")  # the spectra too


def test_an_edf_result_without_a_start_time_is_dated_1985_not_today(tmp_path):
    from slumbernet.io import load_recording
    rec = load_recording(THREE[0])
    np.savez(tmp_path / "m.npz", eeg=rec.eeg, emg=rec.emg, sfreq_hz=rec.sfreq_hz)
    assert predict(tmp_path / "o", "--format", "edf", files=[tmp_path / "m.npz"]) == 0
    assert (tmp_path / "o" / "m_slumbernet.edf").read_bytes()[168:184] == b"01.01.8500.00.00"


def test_results_never_land_on_an_input_or_a_score_file(tmp_path, capsys):
    src = tmp_path / "in"; src.mkdir()
    shutil.copy(THREE[0], src / "m1.edf"); shutil.copy(THREE[1], src / "m1_scores.edf")
    np.savez(src / "m2_slumbernet.npz", eeg=np.zeros(10))
    assert predict(src, files=[src / "m1.edf", src / "m1_scores.edf"]) == 1
    assert "m1_scores_slumbernet.csv, like a manual score file" in capsys.readouterr().out
    assert (src / "m1_slumbernet.csv").exists() and not (src / "m1_scores_slumbernet.csv").exists()
    rec = src / "m2_slumbernet.csv"; rec.write_text("eeg,emg\n")   # a CSV recording named like m2.edf's result
    shutil.copy(THREE[1], src / "m2.edf")
    assert predict(src, files=[rec, src / "m2.edf"]) == 1
    assert f"its result would be written over {rec}, one of the inputs" in capsys.readouterr().out
    assert rec.read_text() == "eeg,emg\n"
    assert main(["predict", str(tmp_path / "summary.csv"), "--out", str(tmp_path), "--quiet"]) == 2
    assert "the summary would be written over it" in capsys.readouterr().err


def test_a_broken_file_does_not_stop_the_others(tmp_path, capsys):
    src = tmp_path / "in"; src.mkdir()
    shutil.copy(SAMPLES / "mouse02_baseline.edf", src)
    (src / "broken.edf").write_bytes((SAMPLES / "mouse03_baseline.edf").read_bytes()[:5000])
    status = main(["predict", str(src), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "2"])
    text = capsys.readouterr().out
    assert status == 1 and "EDF file is truncated" in text
    assert (tmp_path / "out" / "mouse02_baseline_slumbernet.csv").exists()


@pytest.mark.slow
def test_train_and_cv_from_the_command_line(tmp_path, capsys):
    model = tmp_path / "m"
    args = ["--steps", "2", "--rounds", "1"]
    assert main(["train", str(SAMPLES), "--out", str(model)] + args) == 0
    assert (tmp_path / "m.keras").exists() and (tmp_path / "m.json").exists()
    assert main(["cv", str(SAMPLES), "--k", "2", "--json", str(tmp_path / "cv.json")] + args) == 0
    assert "pooled" in capsys.readouterr().out and (tmp_path / "cv.json").exists()
    assert main(["predict", str(SAMPLES / "mouse01_recovery.edf"), "--out", str(tmp_path / "o"), "--quiet",
                 "--model", str(tmp_path / "m.keras"), "--format", "edf"]) == 0


def test_info_and_errors(capsys, tmp_path):
    assert main(["info"]) == 0
    assert "cross_validation" in capsys.readouterr().out
    assert main(["train", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    (tmp_path / "x.edf").write_bytes((SAMPLES / "mouse01_baseline.edf").read_bytes())
    assert main(["train", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    assert "no scores beside it" in capsys.readouterr().err


def test_the_console_command_exits_with_mains_status_and_its_output_flushed(tmp_path):
    "`console` (the installed `slumbernet`) skips the interpreter's teardown: what it printed and wrote must all be there."
    import subprocess
    import sys
    run = lambda *argv: subprocess.run([sys.executable, "-c", "from slumbernet.cli import console; console()", *argv],
                                       capture_output=True, text=True, timeout=300)
    ok = run("predict", str(THREE[0]), "--out", str(tmp_path / "out"), "--quiet")
    assert ok.returncode == 0, ok.stderr
    assert "1 recording: 1 scored" in ok.stderr and "mouse01_baseline.edf" in ok.stdout
    assert len(pd.read_csv(tmp_path / "out" / "mouse01_baseline_slumbernet.csv", comment="#")) == 450
    bad = run("predict", str(tmp_path / "missing.edf"), "--out", str(tmp_path / "out2"), "--quiet")
    assert bad.returncode == 1 and "1 failed" in bad.stderr and "file not found" in bad.stdout


def _two_channel_edf(path, labels=("C3", "neck")):
    "A 2-min EDF whose channel names say neither EEG nor EMG, as many rigs' do (signals from a sample)."
    import pyedflib
    from slumbernet.io import load_recording
    rec = load_recording(SAMPLES / "mouse01_baseline.edf").crop(0, 120)
    w = pyedflib.EdfWriter(str(path), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label=lab, dimension="uV", sample_frequency=rec.sfreq_hz, physical_min=-5000,
                             physical_max=5000, digital_min=-32768, digital_max=32767) for lab in labels])
    w.writeSamples([rec.eeg.astype(float), rec.emg.astype(float)]); w.close()


def test_cli_mistakes_are_told_in_cli_options(tmp_path, capsys):
    "A channel the CLI cannot find is named by its option (--eeg, --emg none), not a Python keyword; indexes work; --out must be a folder."
    edf = tmp_path / "rig.edf"; _two_channel_edf(edf)
    assert predict(tmp_path / "a", files=[edf]) == 1
    out = capsys.readouterr().out
    assert "use --eeg NAME_OR_INDEX" in out and "eeg=" not in out
    assert predict(tmp_path / "b", "--eeg", "0", "--emg", "1", files=[edf]) == 0
    assert predict(tmp_path / "c", "--eeg", "C3", "--emg", "none", files=[edf]) == 0
    assert pd.read_csv(tmp_path / "c" / "summary.csv").method.notna().all()
    capsys.readouterr()
    assert predict(tmp_path / "rig.edf", files=[edf]) == 2
    assert "--out" in capsys.readouterr().err and edf.read_bytes()[:8] == b"0       "  # the file named is untouched
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("slumbernet ")


def _ten_second_lab(folder) -> Path:
    "A lab's one scored recording: a sample EDF and its scores in 10-s epochs as `epoch,stage` only (no times)."
    from slumbernet.grid import regrid
    from slumbernet.io import load_scores
    folder.mkdir()
    shutil.copy(SAMPLES / "mouse01_baseline.edf", folder)
    ten = regrid(load_scores(SAMPLES / "mouse01_baseline_scores.csv"), 10.0)
    pd.DataFrame({"epoch": np.arange(len(ten)), "stage": ten.labels}).to_csv(folder / "mouse01_baseline_scores.csv", index=False)
    return folder


@pytest.mark.slow
def test_a_lab_with_10_s_scores_compares_trains_and_calibrates_from_the_command_line(tmp_path, capsys):
    "Issue 17's dead ends: 10-s `epoch,stage` scores of one animal; each step works or names the option to use."
    lab = _ten_second_lab(tmp_path / "lab")
    assert main(["compare", str(lab), "--out", str(tmp_path / "c1"), "--no-figures"]) == 1
    out = capsys.readouterr().out
    assert "use --epoch-s SECONDS" in out and "epoch_s=" not in out
    assert main(["compare", str(lab), "--out", str(tmp_path / "c2"), "--epoch-s", "10"]) == 0
    table = pd.read_csv(tmp_path / "c2" / "comparison.csv")
    assert table.epoch_s.tolist() == [10.0, 10.0] and table.epochs.tolist() == [180, 180] and table.kappa.min() > 0.85
    assert (tmp_path / "c2" / "mouse01_baseline_comparison.png").stat().st_size > 10_000
    assert "simulated mice only" in (tmp_path / "c2" / "comparison.md").read_text()
    err = capsys.readouterr().err
    assert main(["train", str(lab), "--out", str(tmp_path / "m"), "--epoch-s", "10", "--steps", "2", "--rounds", "1"]) == 0
    assert "one animal (mouse01): validating on every 4th block" in capsys.readouterr().err
    assert main(["calibrate", str(lab), "--out", str(tmp_path / "cal"), "--epoch-s", "10", "--emg", "none",
                 "--steps", "2", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "held out: every 4th block" in out and "before: kappa" in out and (tmp_path / "cal.keras").exists()
    assert main(["predict", str(lab), "--out", str(tmp_path / "p"), "--epoch-s", "10", "--model", str(tmp_path / "cal.keras"),
                 "--emg", "none", "--quiet"]) == 0
    summary = pd.read_csv(tmp_path / "p" / "summary.csv")
    assert summary.epochs.tolist() == [180] and summary.epoch_s.tolist() == [10.0] and summary.emg.tolist() == ["none"]
    assert main(["compare", str(lab), "--out", str(tmp_path / "c2"), "--epoch-s", "10"]) == 2  # never over a comparison
    assert "use --overwrite" in capsys.readouterr().err


def test_channels_used_are_printed_and_recorded(tmp_path, capsys):
    "With EEG1 and EEG2 (the Pinnacle/Sirenia layout) the choice is said, printed and kept in summary.csv and the record."
    import json
    edf = tmp_path / "two.edf"; _two_channel_edf(edf, ("EEG1", "EEG2"))
    assert predict(tmp_path / "a", "--emg", "none", files=[edf]) == 0
    out = capsys.readouterr().out
    assert "EEG1" in out
    summary = pd.read_csv(tmp_path / "a" / "summary.csv")
    assert summary.eeg.tolist() == ["EEG1"] and "several EEG channels (EEG1, EEG2); using 'EEG1'" in summary.warnings[0]
    record = json.loads((tmp_path / "a" / "two_slumbernet.csv.json").read_text())
    assert record["summary"]["eeg"] == "EEG1" and record["summary"]["emg"] == "none"
    assert predict(tmp_path / "b", "--eeg", "EEG2", "--emg", "none", files=[edf]) == 0
    assert pd.read_csv(tmp_path / "b" / "summary.csv").eeg.tolist() == ["EEG2"]


def test_training_on_too_little_and_impossible_options_are_errors_not_tracebacks(tmp_path, capsys):
    lab = tmp_path / "lab"; lab.mkdir()
    shutil.copy(SAMPLES / "mouse01_baseline.edf", lab)
    (lab / "mouse01_baseline_scores.csv").write_text("epoch,stage\n0,W\n1,N\n")
    assert main(["train", str(lab), "--out", str(tmp_path / "m"), "--epoch-s", "10", "--trim", "--steps", "1", "--rounds", "1"]) == 2
    assert "error: cannot train on these recordings" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["predict", str(lab), "--out", str(tmp_path / "p"), "--sfreq", "-5"])
    assert e.value.code == 2 and "--sfreq: must be a positive number" in capsys.readouterr().err


def test_a_fifo_or_a_device_named_edf_is_refused_not_read_forever(tmp_path, capsys):
    "Issue 18 item 10: a FIFO and a link to /dev/zero named *.edf hung predict (its hash started before any check)."
    import os
    import subprocess
    import sys
    os.mkfifo(tmp_path / "fifo.edf")
    os.symlink("/dev/zero", tmp_path / "zero.edf")
    shutil.copy(THREE[0], tmp_path / "ok.edf")
    run = subprocess.run([sys.executable, "-c", "from slumbernet.cli import console; console()", "predict", str(tmp_path),
                          "--out", str(tmp_path / "out"), "--quiet"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "2 failed" in run.stderr
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert summary.status.tolist() == ["error", "scored", "error"]
    assert summary.error.fillna("").str.contains("is not a regular file").sum() == 2


@pytest.mark.parametrize("command", ["cv", "train", "calibrate"])
def test_no_command_writes_over_its_inputs_even_with_overwrite(tmp_path, capsys, command):
    """Issue 18 item 6: `cv --json DIR/X_scores.csv --overwrite` replaced the manual scores it had just read. Every
    command's outputs are checked against its inputs first (train's and calibrate's --out X writes X.keras and X.json)."""
    lab = tmp_path / "lab"; lab.mkdir()
    shutil.copy(SAMPLES / "mouse01_baseline.edf", lab)
    scores = lab / ("scores.csv" if command == "cv" else "scores.json")
    shutil.copy(SAMPLES / "mouse01_baseline_scores.csv", scores)
    before = scores.read_bytes()
    output = ["--json", str(scores)] if command == "cv" else ["--out", str(lab / "scores")]
    assert main([command, str(lab / "mouse01_baseline.edf"), "--scores", str(scores), *output, "--overwrite"]) == 2
    assert "names one of this run's inputs; it is never written over, even with --overwrite" in capsys.readouterr().err
    assert scores.read_bytes() == before and not (lab / "scores.keras").exists()


def test_a_formula_in_a_file_name_stays_text_and_a_recording_given_twice_is_told_so(tmp_path, capsys):
    "Issue 18 item 18: a name starting with '=' put a formula into summary.csv; the same file twice blamed 'separate folders'."
    bad = tmp_path / "=1+2.edf"
    shutil.copy(THREE[0], bad)
    assert predict(tmp_path / "a", files=[bad]) == 0
    text = (tmp_path / "a" / "summary.csv").read_text()
    assert ",=" not in text and "\n=" not in text  # no cell starts a formula
    assert pd.read_csv(tmp_path / "a" / "summary.csv").output[0] == "'=1+2_slumbernet.csv"
    assert predict(tmp_path / "b", files=[THREE[0], THREE[0]]) == 1
    assert "was given 2 times" in capsys.readouterr().out


def test_cv_with_fewer_animals_than_folds_says_which_options_to_change(capsys):
    "Issue 18 item 15: `cv` with 2 animals ended in a raw ValueError."
    two = [str(SAMPLES / f"mouse0{i}_baseline.edf") for i in (1, 2)]
    assert main(["cv", *two, "--steps", "1", "--rounds", "1"]) == 2
    err = capsys.readouterr().err
    assert "5 folds need at least 5 groups, there are 2" in err and "--k" in err


def test_a_summary_csv_slumbernet_did_not_write_is_never_replaced_and_a_good_one_never_lost(tmp_path, capsys):
    """Issue 18 item 7: `predict us --out us` replaced the user's own us/summary.csv; a run refused for another model
    replaced a good run's summary with error rows."""
    us = tmp_path / "us"; us.mkdir()
    shutil.copy(THREE[0], us)
    (us / "summary.csv").write_text("animal,weight_g\nm1,25\n")
    assert predict(us, files=[us]) == 2
    assert "is not a summary SlumberNet wrote" in capsys.readouterr().err
    assert (us / "summary.csv").read_text() == "animal,weight_g\nm1,25\n"
    out = tmp_path / "out"
    assert predict(out, files=[THREE[0]]) == 0
    good = (out / "summary.csv").read_text()
    with pytest.warns(Warning, match="the previous summary is kept as summary-"):
        assert predict(out, "--min-bout", "3", files=[THREE[0]]) == 1  # made with other options: refused, an error row
    kept = sorted(out.glob("summary-*.csv"))
    assert len(kept) == 1 and kept[0].read_text() == good


def test_a_full_disk_fails_that_recording_and_the_others_go_on(tmp_path, monkeypatch, capsys):
    "Issue 18 item 13: a full disk raised a raw OSError; the remaining recordings were not tried and no summary was written."
    import errno
    from slumbernet.core import Prediction
    real_writer, calls = Prediction.writer, []
    def full_once(self, path, *a, **kw):
        calls.append(path)
        if len(calls) > 1: return real_writer(self, path, *a, **kw)
        def write(tmp): raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return write, None
    monkeypatch.setattr(Prediction, "writer", full_once)
    assert predict(tmp_path / "out", files=THREE[:2]) == 1
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert summary.status.tolist() == ["error", "scored"] and "No space left on device" in summary.error[0]
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from Linux's /proc")
def test_workers_die_with_the_command_when_it_is_killed(tmp_path):
    "Issue 18 item 9: after SIGKILL to `slumbernet predict --jobs 2`, its workers lived on, kept writing results, then hung."
    import os
    import signal
    import subprocess
    import sys
    import time
    folder = tmp_path / "in"; folder.mkdir()
    for i in range(6): shutil.copy(THREE[i % 3], folder / f"r{i}.edf")
    cli = subprocess.Popen([sys.executable, "-c", "from slumbernet.cli import console; console()", "predict", str(folder),
                            "--out", str(tmp_path / "out"), "--jobs", "2", "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = lambda pid: [int(c) for t in Path(f"/proc/{pid}/task").glob("*")
                            for c in (t / "children").read_text().split()] if Path(f"/proc/{pid}").exists() else []
    deadline = time.time() + 120
    while len(children(cli.pid)) < 2 and time.time() < deadline and cli.poll() is None: time.sleep(0.2)
    workers = children(cli.pid)
    assert len(workers) >= 2, "the workers never started"
    cli.send_signal(signal.SIGKILL); cli.wait()
    deadline = time.time() + 15
    alive = lambda: [w for w in workers if Path(f"/proc/{w}").exists() and "zombie" not in
                     Path(f"/proc/{w}/status").read_text().lower()]
    while alive() and time.time() < deadline: time.sleep(0.2)
    assert not alive(), f"workers {alive()} outlived the killed command"
