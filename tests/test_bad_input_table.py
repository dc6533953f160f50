"""docs/guide/bad_input.md, "Bad input, and what you see": each row's bad input is built here and fed to the public call the row
names; the message the user sees must contain the row's text. The table cannot drift from the code.

To add a row: add it to that table (`| bad input | call | message |`, the message in backticks, `…` where it is
abridged, file names as the case below names them), and a case here under the same "bad input" text that builds the
input and returns what the call raised, warned or printed.
"""
import contextlib
import io
import json
import re
import shutil
import warnings

import numpy as np
import pytest

from conftest import ROOT, SAMPLES
from test_fuzz import FIELDS, HYP, make_rec, npz_bytes, patch, sleepsign_text
from slumbernet.cli import main
from slumbernet.core import predict
from slumbernet.io import SlumberNetError, SlumberNetWarning, align, load_recording, load_scores, write_recording, \
    write_scores
from slumbernet.model import SleepModel, load_model, save_model

TABLE = ROOT / "docs" / "guide" / "bad_input.md"


def table_rows() -> list[tuple[str, str, str]]:
    "(bad input, call, message) per row of the guide's table; a note may follow the message in its cell."
    body = TABLE.read_text(encoding="utf-8")
    rows = []
    for line in body.splitlines():
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) != 3 or cells[0] in ("bad input", "") or set(cells[0]) <= set("-: "): continue
        message = re.match(r"`([^`]+)`", cells[2])
        assert message, f"table row {cells[0]!r}: the message must open its cell, in backticks"
        rows.append((cells[0], cells[1].strip("`"), message.group(1)))
    return rows


CASES = {}


def case(what: str):
    "Register the builder of the table row whose bad input is `what`."
    def register(fn):
        CASES[what] = fn
        return fn
    return register


def raised(fn, *a, **kw) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlumberNetWarning)
        with pytest.raises(SlumberNetError) as e:
            fn(*a, **kw)
    return str(e.value)


def warned(fn, *a, **kw) -> str:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*a, **kw)
    return " | ".join(str(w.message) for w in caught if issubclass(w.category, SlumberNetWarning))


def cli(*argv) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        main(["predict", *map(str, argv), "--quiet"])
    return out.getvalue() + err.getvalue()


def edf(d, name="x.edf", **fields) -> "Path":
    "A one-minute EEG+EMG EDF+ file with annotations (as tests/test_fuzz.py builds it), header fields replaced."
    path = d / name
    write_recording(make_rec(), path, hypnogram=HYP)
    data = path.read_bytes()
    for field, value in fields.items(): data = patch(data, field.replace("_", " "), value)
    path.write_bytes(data)
    return path


def model_file(d, name="m"):
    return save_model(SleepModel.new("default", seq_len=16), d / name)


# ---- recordings ------------------------------------------------------------------------------------------------

@case("a FIFO, or a link to a device, named `*.edf`")
def _(d):
    import os
    os.mkfifo(d / "fifo.edf")
    return raised(load_recording, d / "fifo.edf")

@case("EDF start date that is no date (31.02.26)")
def _(d):
    return warned(load_recording, edf(d, reserved="", startdate="31.02.26"))

@case("EDF header leaving the number of data records open (-1), as a recorder still writing does")
def _(d):
    return warned(load_recording, edf(d, records="-1"))

@case("one channel far below 64 Hz beside a fast one")
def _(d):
    import pyedflib
    w = pyedflib.EdfWriter(str(d / "slow.edf"), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label=lab, dimension="uV", sample_frequency=rate, physical_min=-500, physical_max=500,
                             digital_min=-32768, digital_max=32767) for lab, rate in (("EEG", 1), ("EMG", 256))])
    rng = np.random.default_rng(0)
    w.writeSamples([rng.normal(0, 50, 60), rng.normal(0, 20, 60 * 256)]); w.close()
    return raised(load_recording, d / "slow.edf")

@case("two stage annotations for one epoch that disagree")
def _(d):
    import pyedflib
    w = pyedflib.EdfWriter(str(d / "clash.edf"), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label="EEG", dimension="uV", sample_frequency=256, physical_min=-500, physical_max=500,
                             digital_min=-32768, digital_max=32767)])
    w.writeSamples([np.random.default_rng(0).normal(0, 50, 256 * 12)])
    for item in ((0, 4, "Wake"), (4, 4, "REM"), (4, 4, "NREM"), (8, 4, "NREM")): w.writeAnnotation(*item)
    w.close()
    return raised(load_scores, d / "clash.edf")

@case("missing file")
def _(d): return raised(load_recording, d / "missing.edf")

@case("random bytes")
def _(d):
    (d / "junk.edf").write_bytes(np.random.default_rng(0).bytes(3000))
    return raised(load_recording, d / "junk.edf")

@case("empty file")
def _(d):
    (d / "empty.edf").write_bytes(b"")
    return raised(load_recording, d / "empty.edf")

@case("truncated EDF (copy interrupted)")
def _(d):
    p = edf(d); p.write_bytes(p.read_bytes()[:40000])
    return raised(load_recording, p)

@case("EDF header declares more data records than the file holds")
def _(d): return raised(load_recording, edf(d, records="61"))

@case("EDF header declares fewer data records than the file holds")
def _(d): return raised(load_recording, edf(d, records="59"))

@case("EDF header with a negative record count")
def _(d): return raised(load_recording, edf(d, records="-5"))

@case("EDF header-size field that lies")
def _(d): return raised(load_recording, edf(d, header_bytes="12"))

@case("EDF header declaring huge sizes")
def _(d): return raised(load_recording, edf(d, samples_1="99999999"))

@case("EDF header field that is not a number")
def _(d): return raised(load_recording, edf(d, duration="nan"))

@case("EDF+D (discontinuous) file")
def _(d): return raised(load_recording, edf(d, reserved="EDF+D"))

@case("non-ASCII (non-UTF-8) bytes in EDF header text")
def _(d): return warned(load_recording, edf(d, patient=b"m1 caf\xe9"))

@case("no channel named EEG")
def _(d): return raised(load_recording, edf(d, label_0="C3"))

@case("channel asked for is not in the file")
def _(d): return raised(load_recording, edf(d), eeg="C3")

@case("sampling rate below 64 Hz")
def _(d):
    rng = np.random.default_rng(0)
    (d / "slow.npz").write_bytes(npz_bytes(eeg=rng.normal(size=3000), emg=rng.normal(size=3000), sfreq_hz=50.0))
    return raised(load_recording, d / "slow.npz")

@case("shorter than one epoch")
def _(d):
    rng = np.random.default_rng(0)
    (d / "short.npz").write_bytes(npz_bytes(eeg=rng.normal(size=500), emg=rng.normal(size=500), sfreq_hz=256.0))
    return raised(load_recording, d / "short.npz")

@case("NaN/Inf stretch")
def _(d):
    rec = make_rec(); emg = rec.emg.copy(); emg[30 * 256:30 * 256 + 257] = np.nan
    (d / "nan.npz").write_bytes(npz_bytes(eeg=rec.eeg, emg=emg, sfreq_hz=256.0))
    return warned(predict, d / "nan.npz")

@case("channel without one finite sample")
def _(d):
    rec = make_rec()
    (d / "allnan.npz").write_bytes(npz_bytes(eeg=rec.eeg, emg=np.full_like(rec.emg, np.nan), sfreq_hz=256.0))
    return raised(load_recording, d / "allnan.npz")

@case("flat stretch (electrode off for a while)")
def _(d):
    rec = make_rec(); eeg = rec.eeg.copy(); eeg[20 * 256:32 * 256] = 0.0
    (d / "gap.npz").write_bytes(npz_bytes(eeg=eeg, emg=rec.emg, sfreq_hz=256.0))
    return warned(predict, d / "gap.npz")

@case("clipped stretch (amplifier saturated)")
def _(d):
    rec = make_rec(); eeg = rec.eeg.copy(); top = np.abs(eeg).max()
    eeg[40 * 256:44 * 256] = np.clip(eeg[40 * 256:44 * 256] * 20, -top, top)
    (d / "clip.npz").write_bytes(npz_bytes(eeg=eeg, emg=rec.emg, sfreq_hz=256.0))
    return warned(predict, d / "clip.npz")

@case("flat (disconnected) channel")
def _(d):
    rec = make_rec()
    (d / "flat.npz").write_bytes(npz_bytes(eeg=rec.eeg, emg=np.zeros_like(rec.emg), sfreq_hz=256.0))
    return raised(load_recording, d / "flat.npz")

@case("truncated NumPy file")
def _(d):
    data = npz_bytes(eeg=make_rec().eeg, sfreq_hz=256.0)
    (d / "cut.npz").write_bytes(data[:len(data) // 2])
    return raised(load_recording, d / "cut.npz")

# ---- score files -----------------------------------------------------------------------------------------------

def scores(d, name, text, encoding="utf-8", **kw) -> str:
    (d / name).write_bytes(text.encode(encoding))
    return raised(load_scores, d / name, **kw)

@case("score file with a missing epoch")
def _(d): return scores(d, "s.csv", "epoch,stage\n1,W\n3,N\n4,N\n")

@case("score file with a duplicate epoch")
def _(d): return scores(d, "s.csv", "epoch,stage\n1,W\n2,N\n2,N\n3,R\n")

@case("score file with epochs out of order")
def _(d): return scores(d, "s.csv", "epoch,stage\n1,W\n3,N\n2,N\n4,R\n")

@case("score file with mixed delimiters")
def _(d): return scores(d, "s.csv", "epoch,stage\n1,W\n2;N\n3,R\n")

@case("score file row with the wrong number of fields")
def _(d): return scores(d, "s.csv", "stage\nW,x\nN,y\n", epoch_s=4)

@case("score file with a header and no rows")
def _(d): return scores(d, "s.csv", "epoch,stage\n", epoch_s=4)

@case("unknown stage code")
def _(d): return scores(d, "s.csv", "epoch,stage\n1,W\n2,Q\n", epoch_s=4)

@case("Latin-1 (non-UTF-8) score file with an unknown code")
def _(d): return scores(d, "s.csv", "epoch,stage\n1,W\n2,\u00e9veil\n", encoding="latin-1", epoch_s=4)

@case("SleepSign export with a garbled row")
def _(d): return scores(d, "s_sco.txt", sleepsign_text("WNR") + "09:00:12 3 R\n")

@case("binary data in a score file")
def _(d): return scores(d, "s.csv", "stage\nW\x00\n")

@case("scores longer than the signal")
def _(d):
    rec = load_recording(edf(d))
    (d / "s.csv").write_text("stage\n" + "W\n" * 20)
    return raised(align, rec, load_scores(d / "s.csv", epoch_s=4))

# ---- model files -----------------------------------------------------------------------------------------------

@case("model file truncated")
def _(d):
    p = model_file(d); p.write_bytes(p.read_bytes()[:5000])
    return raised(load_model, p)

@case("model file altered after saving")
def _(d):
    p = model_file(d); data = bytearray(p.read_bytes()); data[len(data) // 3] ^= 1; p.write_bytes(bytes(data))
    return raised(load_model, p)

@case("model metadata edited after saving (an EEG band, the class weights)")
def _(d):
    p = model_file(d); meta = json.loads((d / "m.json").read_text())
    (d / "m.json").write_text(json.dumps({**meta, "input": {**meta["input"], "eeg_band_hz": [0.5, 4.0]}}))
    return raised(load_model, p)

@case("model archive declaring hundreds of MB (a zip bomb)")
def _(d):
    import zipfile
    from slumbernet.io import file_sha256
    p = model_file(d); meta = json.loads((d / "m.json").read_text())
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("model.weights.h5", "w", force_zip64=True) as f:
            for _ in range(20): f.write(bytes(1 << 24))
    (d / "m.json").write_text(json.dumps({**meta, "sha256": file_sha256(p)}))
    return raised(load_model, p)

@case("model from a newer SlumberNet")
def _(d):
    p = model_file(d); meta = json.loads((d / "m.json").read_text())
    (d / "m.json").write_text(json.dumps({**meta, "format": 99}))
    return raised(load_model, p)

@case("model without its metadata file")
def _(d):
    p = model_file(d); (d / "m.json").unlink()
    return raised(load_model, p)

@case("model carrying code (a Lambda layer)")
def _(d):
    import keras
    inp = keras.Input((4,))
    p = save_model(SleepModel(keras.Model(inp, keras.layers.Lambda(lambda x: x * 2)(inp)), "default", {}), d / "evil")
    return raised(load_model, p)

# ---- scoring and writing ---------------------------------------------------------------------------------------

def eeg_only(d) -> "Path":
    (d / "eeg_only.npz").write_bytes(npz_bytes(eeg=make_rec().eeg, sfreq_hz=256.0))
    return d / "eeg_only.npz"

@case("recording without an EMG channel")
def _(d): return raised(predict, eeg_only(d))

@case("EEG only (emg=False), a model named that needs EMG")
def _(d):
    from slumbernet.core import bundled_model_path
    return raised(predict, eeg_only(d), bundled_model_path(), emg=False)

@case("result file exists (Python)")
def _(d):
    pred = predict(SAMPLES / "mouse01_baseline.edf")
    pred.write(d / "out.csv")
    return raised(pred.write, d / "out.csv")

@case("a start time with a fraction of a second, written to EDF")
def _(d):
    import dataclasses
    from datetime import datetime
    return warned(write_recording, dataclasses.replace(make_rec(), start=datetime(2026, 1, 5, 7, 0, 0, 500000)), d / "r.edf")

@case("writing scores over the file they were read from")
def _(d):
    shutil.copy(SAMPLES / "mouse01_baseline_scores.csv", d / "m1_scores.csv")
    return raised(write_scores, load_scores(d / "m1_scores.csv"), d / "m1_scores.csv", overwrite=True)

def scored(d) -> "Path":
    shutil.copy(SAMPLES / "mouse01_baseline.edf", d / "m1.edf")
    cli(d / "m1.edf", "--out", d / "out")
    return d / "out" / "m1_slumbernet.csv"

@case("a `summary.csv` another program wrote, in the output folder")
def _(d):
    us = d / "us"; us.mkdir()
    shutil.copy(SAMPLES / "mouse01_baseline.edf", us)
    (us / "summary.csv").write_text("animal,weight_g\nm1,25\n")
    err = io.StringIO()
    with contextlib.redirect_stderr(err): main(["predict", str(us), "--out", str(us), "--quiet"])
    return err.getvalue().replace(f"{d}/", "")

@case("a disk that fills (or a file size limit) while a result is written")
def _(d):
    import resource
    import subprocess
    import sys
    shutil.copy(SAMPLES / "mouse01_baseline.edf", d / "m1.edf")
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, resource.RLIM_INFINITY))
    r = subprocess.run([sys.executable, "-c", "from slumbernet.cli import console; console()", "predict", str(d / "m1.edf"),
                        "--out", str(d / "out"), "--format", "edf", "--quiet"], capture_output=True, text=True,
                       preexec_fn=limit, cwd=d)
    return r.stdout + r.stderr

@case("another run writing into the same output folder")
def _(d):
    from slumbernet.cohort import output_folder
    shutil.copy(SAMPLES / "mouse01_baseline.edf", d / "m1.edf")
    with output_folder(d / "out"): return cli(d / "m1.edf", "--out", d / "out")

@case("an output folder inside a file")
def _(d):
    (d / "notes.txt").write_text("mine")
    shutil.copy(SAMPLES / "mouse01_baseline.edf", d / "m1.edf")
    return cli(d / "m1.edf", "--out", d / "notes.txt" / "scored")

@case("result exists, made with other options")
def _(d):
    scored(d)
    return cli(d / "m1.edf", "--out", d / "out", "--min-bout", "3")

@case("result exists, made by another model")
def _(d):
    scored(d)
    return cli(d / "m1.edf", "--out", d / "out", "--model", model_file(d))

@case("result exists, edited by hand")
def _(d):
    out = scored(d); out.write_text(out.read_text().replace(",W,", ",R,", 1))
    return cli(d / "m1.edf", "--out", d / "out")

@case("result exists, written by another program")
def _(d):
    (d / "out").mkdir(); (d / "out" / "m1_slumbernet.csv").write_text("mine\n")
    shutil.copy(SAMPLES / "mouse01_baseline.edf", d / "m1.edf")
    return cli(d / "m1.edf", "--out", d / "out")

@case("result path is one of the inputs")
def _(d):
    shutil.copy(SAMPLES / "mouse01_baseline.edf", d / "m1.edf")
    (d / "m1_slumbernet.csv").write_text("eeg,emg\n")
    return cli(d / "m1_slumbernet.csv", d / "m1.edf", "--out", d)

@case("recording named like a manual score file")
def _(d):
    shutil.copy(SAMPLES / "mouse01_baseline.edf", d / "m1_scores.edf")
    return cli(d / "m1_scores.edf", "--out", d / "out")

@case("two recordings of the same name into one folder")
def _(d):
    for day in ("day1", "day2"):
        (d / day).mkdir(); shutil.copy(SAMPLES / "mouse01_baseline.edf", d / day / "m1.edf")
    return cli(d / "day1", d / "day2", "--out", d / "out")


ROWS = table_rows()


@pytest.mark.parametrize("what,call,message", ROWS, ids=[r[0] for r in ROWS])
def test_the_table_row_is_what_the_user_sees(what, call, message, tmp_path):
    assert what in CASES, f"table row {what!r} has no case in tests/test_bad_input_table.py"
    seen = CASES[what](tmp_path).replace(f"{tmp_path}/", "")
    at = 0
    for piece in (p.strip() for p in message.split("…")):
        found = seen.find(piece, at)
        assert found >= 0, f"the table says {piece!r}; the user sees {seen!r}"
        at = found + len(piece)


def test_every_case_is_a_readme_row():
    assert sorted(CASES) == sorted(r[0] for r in ROWS)
