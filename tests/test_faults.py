"""Faults a red team found (issue 18): a full disk or a file size limit, a run killed between a result and its
record, two runs into one folder, impossible header dates, memory that grew with the sampling rate."""
import json
import os
import resource
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLES
from slumbernet.cli import main
from slumbernet.cohort import LOCK_NAME, output_folder
from slumbernet.io import Recording, file_sha256, load_recording, load_scores, open_recording, read_spectra, write_recording

SAMPLE = SAMPLES / "mouse01_baseline.edf"
CLI = "from slumbernet.cli import console; console()"


def run_cli(*args, limit_bytes=None, code=CLI) -> subprocess.CompletedProcess:
    "`slumbernet ARGS` in a process of its own, with files limited to `limit_bytes` (as `ulimit -f` does) if given."
    def limit():
        if limit_bytes is not None: resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, resource.RLIM_INFINITY))
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          preexec_fn=limit, timeout=600)


def parts(folder) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir() if ".part" in p.name)


def test_a_truncated_edf_is_never_put_in_place_nor_kept_on_a_rerun(tmp_path):
    "Item 1: under `ulimit -f 150` the EDF result was cut at 153,600 bytes, reported as scored, and kept by the rerun."
    out = tmp_path / "out"
    r = run_cli("predict", SAMPLE, "--out", out, "--format", "edf", "--quiet", limit_bytes=150_000)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "was not written in full" in r.stdout and "is the disk full" in r.stdout
    assert not (out / "mouse01_baseline_slumbernet.edf").exists() and not parts(out)
    assert pd.read_csv(out / "summary.csv").status.tolist() == ["error"]
    r = run_cli("predict", SAMPLE, "--out", out, "--format", "edf", "--quiet")
    assert r.returncode == 0 and pd.read_csv(out / "summary.csv").status.tolist() == ["scored"]
    written = out / "mouse01_baseline_slumbernet.edf"
    assert written.stat().st_size > 150_000 and len(load_scores(written)) == 450


def test_every_writer_refuses_to_keep_a_file_cut_short(tmp_path):
    "Item 1, for the Python API: EDF signals, EDF+ scores and CSV under a file size limit raise WriteError, leave nothing."
    code = ("import sys, numpy as np; from datetime import datetime\n"
            "from slumbernet.io import Recording, Hypnogram, WriteError, write_recording, write_scores\n"
            "out = sys.argv[1]\n"
            "rec = Recording(np.random.default_rng(0).normal(0, 50, 256 * 600), 256.0, np.ones(256 * 600),"
            " datetime(2026, 1, 5))\n"
            "hyp = Hypnogram(np.arange(20000) % 3, 4.0, start=datetime(2026, 1, 5))\n"
            "for name, write in (('r.edf', lambda p: write_recording(rec, p)), ('s.edf', lambda p: write_scores(hyp, p)),\n"
            "                    ('s.csv', lambda p: write_scores(hyp, p))):\n"
            "    try: write(f'{out}/{name}'); print(name, 'written')\n"
            "    except WriteError as e: print(name, 'refused:', e)\n")
    r = run_cli(tmp_path, limit_bytes=100_000, code=code)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [ln.split()[:2] for ln in lines] == [["r.edf", "refused:"], ["s.edf", "refused:"], ["s.csv", "refused:"]]
    assert "File too large" in lines[2] and "was not written in full" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_run_killed_between_result_and_record_is_scored_again_on_the_rerun(tmp_path):
    "Item 8: killed between the result and its record, the rerun refused the result; only --overwrite got out."
    out = tmp_path / "out"
    kill_at_record = ("import os, sys, slumbernet.cli as cli, slumbernet.cohort as cohort\n"
                      "real = cohort.atomic_write\n"
                      "def dies(path, *a, **kw):\n"
                      "    if str(path).endswith('.csv.json'): os._exit(9)\n"
                      "    return real(path, *a, **kw)\n"
                      "cohort.atomic_write = dies\n"
                      "sys.argv[0] = 'slumbernet'; cli.console()\n")
    r = run_cli("predict", SAMPLE, "--out", out, "--quiet", code=kill_at_record)
    assert r.returncode == 9
    assert not (out / "mouse01_baseline_slumbernet.csv").exists()  # no result without its record
    r = run_cli("predict", SAMPLE, "--out", out, "--quiet")
    assert r.returncode == 0, r.stdout + r.stderr
    assert pd.read_csv(out / "summary.csv").status.tolist() == ["scored"]
    assert not parts(out)  # the killed run's hidden temporary file is gone too
    r = run_cli("predict", SAMPLE, "--out", out, "--quiet")
    assert r.returncode == 0 and pd.read_csv(out / "summary.csv").status.tolist() == ["kept (exists)"]


def test_a_run_killed_between_the_spectra_and_the_result_leaves_no_result_with_another_runs_spectra(tmp_path):
    """Killed after its spectra took their name, before its result did (with --overwrite, after the old result went):
    no result is left, so none is kept with spectra of another run; the record vouches for the spectra there, and the
    rerun scores the recording again and replaces them."""
    out = tmp_path / "out"
    kill_after_spectra = ("import contextlib, os, sys, slumbernet.cli as cli, slumbernet.cohort as cohort\n"
                          "real = cohort.staged_write\n"
                          "@contextlib.contextmanager\n"
                          "def dies(path, *a, **kw):\n"
                          "    with real(path, *a, **kw) as tmp: yield tmp\n"
                          "    if str(path).endswith('.spectra.npz'): os._exit(9)\n"
                          "cohort.staged_write = dies\n"
                          "sys.argv[0] = 'slumbernet'; cli.console()\n")
    assert run_cli("predict", SAMPLE, "--out", out, "--quiet").returncode == 0
    result, spectra = out / "mouse01_baseline_slumbernet.csv", out / "mouse01_baseline_slumbernet.spectra.npz"
    r = run_cli("predict", SAMPLE, "--out", out, "--quiet", "--min-bout", "3", "--overwrite", code=kill_after_spectra)
    assert r.returncode == 9
    assert not result.exists() and spectra.exists()
    record = json.loads((out / "mouse01_baseline_slumbernet.csv.json").read_text())
    assert record["spectra"]["sha256"] == file_sha256(spectra) and record["made_by"]["options"]["min_bout_epochs"] == 3
    r = run_cli("predict", SAMPLE, "--out", out, "--quiet")
    assert r.returncode == 0, r.stdout + r.stderr
    assert pd.read_csv(out / "summary.csv").status.tolist() == ["scored"] and not parts(out)
    record = json.loads((out / "mouse01_baseline_slumbernet.csv.json").read_text())
    assert record["spectra"]["sha256"] == file_sha256(spectra) and record["output_sha256"] == file_sha256(result)
    assert record["made_by"]["options"].get("min_bout_epochs") is None and len(read_spectra(spectra)) == 450


def test_a_second_run_into_a_busy_folder_is_refused_before_it_scores(tmp_path, capsys):
    "Item 11: two runs into one --out both exited 1 and the summary listed 6 good results as errors."
    out = tmp_path / "out"
    with output_folder(out):  # another run holds the folder
        assert main(["predict", str(SAMPLE), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "another SlumberNet run is writing into this folder now" in err and "Traceback" not in err
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]
    assert main(["predict", str(SAMPLE), "--out", str(out), "--quiet"]) == 0


def test_an_output_folder_that_cannot_be_one_is_refused_before_scoring(tmp_path, monkeypatch, capsys):
    "Item 13: --out naming a file, or a folder inside a file: an error naming it, before anything is scored."
    import slumbernet.core
    monkeypatch.setattr(slumbernet.core, "predict", lambda *a, **k: pytest.fail("scored before the folder was checked"))
    (tmp_path / "file").write_text("mine")
    for out in (tmp_path / "file", tmp_path / "file" / "sub"):
        assert main(["predict", str(SAMPLE), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert str(out) in err and "Traceback" not in err
    assert (tmp_path / "file").read_text() == "mine"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_refused_before_scoring(tmp_path, monkeypatch, capsys):
    "Item 13: a read-only --out scored the recordings, then failed with a raw OSError."
    import slumbernet.core
    monkeypatch.setattr(slumbernet.core, "predict", lambda *a, **k: pytest.fail("scored before the folder was checked"))
    out = tmp_path / "ro"; out.mkdir(); out.chmod(0o555)
    try:
        assert main(["predict", str(SAMPLE), "--out", str(out), "--quiet"]) == 2
        assert "cannot write into this folder" in capsys.readouterr().err
    finally: out.chmod(0o755)


def edf_with_header(tmp_path, name, **fields) -> Path:
    "A 10-min EDF+ recording whose header bytes are then set: fields are (offset, bytes)."
    rec = Recording(np.random.default_rng(1).normal(0, 50, 256 * 600).astype(np.float32), 256.0,
                    np.random.default_rng(2).normal(0, 10, 256 * 600).astype(np.float32), datetime(2026, 2, 3, 7))
    path = write_recording(rec, tmp_path / name)
    with open(path, "r+b") as f:
        for offset, value in fields.values(): f.seek(offset); f.write(value)
    return path


def test_an_impossible_start_date_is_read_as_no_start_with_a_warning(tmp_path, capsys):
    "Item 12: a plain EDF dated 31.02.26 raised a raw ValueError, and a cohort run aborted with no summary."
    path = edf_with_header(tmp_path, "m.edf", date=(168, b"31.02.26"), plain=(192, b"     "))
    with pytest.warns(UserWarning, match=r"start date and time \(31.02.26 07.00.00\) is not a real date"):
        rec = load_recording(path)
    assert rec.start is None and rec.duration_s == 600
    assert main(["predict", str(path), str(SAMPLE), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", keep_default_na=False).set_index("recording")
    assert summary.status.tolist() == ["scored", "scored"] and "not a real date" in summary.warnings[str(path)]


def test_a_start_time_edf_cannot_hold_is_not_dropped_silently(tmp_path):
    "Item 18: the fraction of a second of a start time vanished from EDF files without a word."
    rec = Recording(np.zeros(256 * 60, np.float32) + np.arange(256 * 60) % 7, 256.0,
                    start=datetime(2026, 2, 3, 7, 0, 0, 500000))
    with pytest.warns(UserWarning, match=r"start time 07:00:00.500000 is written as 07:00:00"):
        write_recording(rec, tmp_path / "r.edf")
    assert load_recording(tmp_path / "r.edf", emg=False).start == datetime(2026, 2, 3, 7)


def test_a_file_with_an_open_record_count_is_read_a_piece_at_a_time(tmp_path):
    "Item 16: a week whose header leaves the number of records open (-1) was read whole (4.39 GB)."
    path = edf_with_header(tmp_path, "open.edf", count=(236, b"-1      "))
    with pytest.warns(UserWarning, match="number of data records open"):
        reader = open_recording(path)
    with reader:
        assert reader._whole is None and reader.n_samples == 256 * 600  # nothing read yet
        piece = reader.read(256 * 60, 256 * 120)
        whole = reader.load()
    assert np.array_equal(piece.eeg, whole.eeg[256 * 60:256 * 120]) and np.array_equal(piece.emg, whole.emg[256 * 60:256 * 120])


def test_streaming_is_chosen_by_samples_not_by_hours(monkeypatch):
    "Item 16: a day at 1 kHz was scored in one piece (3.25 GB) because streaming began at 36 h whatever the rate."
    import slumbernet.core as core
    from slumbernet.preprocess import STREAM_CHUNK_S
    assert core._chunk_s(256.0) == core._chunk_s(128.0) == STREAM_CHUNK_S
    assert core._chunk_s(1000.0) * 1000 == STREAM_CHUNK_S * 256  # as many samples per chunk at any faster rate
    whole = core.predict(SAMPLE)
    chunks = []
    real = core.EpochStream
    monkeypatch.setattr(core, "EpochStream", lambda *a, **kw: chunks.append(kw["chunk_s"]) or real(*a, **kw))
    monkeypatch.setattr(core, "STREAM_ABOVE_SAMPLES", 256 * 1200)  # 20 min at 256 Hz: the 30-min sample is above it
    streamed = core.predict(SAMPLE)
    assert chunks == [STREAM_CHUNK_S]
    assert np.array_equal(streamed.stages, whole.stages)
    np.testing.assert_allclose(streamed.probabilities, whole.probabilities, atol=1e-5)
