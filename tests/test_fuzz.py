"""Hostile and broken input (issue 7): the readers are fuzzed with hypothesis.

Every bad file must get a `SlumberNetError` (or subclass) whose message names the file and the
problem: never a hang, a raw exception from deep inside pyedflib, pandas, NumPy or the codecs, an
attempt to allocate what a lying header declares, or a silently wrong result. Files that are
merely unusual (BOMs, Latin-1, UTF-16, `;` or tab delimiters, an EDF+ record count of -1) must
read exactly as the clean file does.
"""
import io
import os
import re
import signal
import tempfile
import tracemalloc
import warnings
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from slumbernet.io import (AlignmentError, ChannelError, FileFormatError, Hypnogram, Recording, ScoreError,
                           SignalError, SlumberNetError, SlumberNetWarning, align, load_bandpower_table,
                           load_recording, load_scores, write_recording, write_scores)

FS = 256
START = datetime(2026, 1, 5, 9)
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FEW = settings(FUZZ, max_examples=15)


@pytest.fixture(autouse=True)
def no_hang():
    "Fail a test, rather than hang the suite, if one read takes forever."
    if not hasattr(signal, "SIGALRM"):
        yield; return
    def timeout(*_): raise TimeoutError("a reader hung on hostile input")
    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(30)
    try: yield
    finally:
        signal.alarm(0); signal.signal(signal.SIGALRM, old)


@contextmanager
def scratch(name: str, data: bytes):
    "A file `name` holding `data`, in a fresh folder (hypothesis runs one test body many times)."
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        yield p


def quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SlumberNetWarning)
        return fn(*a, **kw)


def refused(fn, path, cls=SlumberNetError, phrase=None, **kw) -> str:
    "Call `fn(path, **kw)`; it must raise `cls` with a message naming the file (and matching `phrase`)."
    with pytest.raises(cls) as err:
        quiet(fn, path, **kw)
    msg = str(err.value)
    assert path.name in msg, msg
    if phrase is not None: assert re.search(phrase, msg), msg
    return msg


def read_or_refused(fn, path, **kw):
    "Call `fn(path, **kw)`: a result, or a `SlumberNetError` naming the file; anything else fails the test."
    try:
        return quiet(fn, path, **kw)
    except SlumberNetError as e:
        assert path.name in str(e), str(e)
        return None


# ---- a valid EDF+ file to break -----------------------------------------------------------

def make_rec(seconds=60, seed=0) -> Recording:
    rng = np.random.default_rng(seed)
    n = seconds * FS
    return Recording(rng.normal(0, 50, n), FS, rng.normal(0, 20, n), start=START, animal_id="m1")


HYP = Hypnogram.from_labels("WWWNNNNRRWWNNN*N", epoch_s=4, start=START)[:15]


@pytest.fixture(scope="module")
def edf_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("edf") / "good.edf"
    write_recording(make_rec(), path, hypnogram=HYP)
    return path.read_bytes()


@pytest.fixture(scope="module")
def good(edf_bytes):
    "The recording and hypnogram read from the intact file: what a lenient read must reproduce."
    with scratch("good.edf", edf_bytes) as p:
        return quiet(load_recording, p), quiet(load_scores, p)


N_SIG = 3  # EEG, EMG, EDF Annotations
FIELDS = {  # name: (offset, width) in the header of the fixture's file
    "version": (0, 8), "patient": (8, 80), "recording": (88, 80), "startdate": (168, 8), "header bytes": (184, 8),
    "reserved": (192, 44), "records": (236, 8), "duration": (244, 8), "signals": (252, 4),
    **{f"{what} {j}": (256 + k * N_SIG + j * w, w) for j in range(N_SIG)
       for what, k, w in (("label", 0, 16), ("dimension", 96, 8), ("physical min", 104, 8), ("physical max", 112, 8),
                          ("digital min", 120, 8), ("digital max", 128, 8), ("samples", 216, 8))},
}


def patch(data: bytes, field: str, value) -> bytes:
    off, width = FIELDS[field]
    value = value.encode("latin-1") if isinstance(value, str) else value
    return data[:off] + value.ljust(width)[:width] + data[off + width:]


def same_recording(rec, ref):
    assert rec.n_samples == ref.n_samples and rec.sfreq_hz == ref.sfreq_hz
    np.testing.assert_allclose(rec.eeg, ref.eeg, atol=1e-3)
    np.testing.assert_allclose(rec.emg, ref.emg, atol=1e-3)


# ---- random bytes ------------------------------------------------------------------------

SUFFIXES = [".edf", ".bdf", ".csv", ".txt", "-256Hz.txt", ".npz", ".npy", ".parquet", "_scores.csv"]
PREFIXES = [b"", b"0       ", b"\xffBIOSEMI", b"PK\x03\x04", b"\x93NUMPY\x01\x00", b"PAR1", b"\xef\xbb\xbf",
            b"\xff\xfe", b"[Hypnogram]\n", b"Time,uV,uV\n", b"epoch,stage\n", b"eeg,emg\n", b"Stage,Delta\n"]
noise = st.builds(lambda pre, body: pre + body, st.sampled_from(PREFIXES), st.binary(max_size=1500))


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(data=noise)
def test_random_bytes_are_refused_by_every_reader(suffix, data):
    with scratch("junk" + suffix, data or b"\x00") as p:
        for fn, kw in ((load_recording, {}), (load_recording, dict(sfreq_hz=256)), (load_scores, {}),
                       (load_scores, dict(epoch_s=4)), (load_bandpower_table, dict(epoch_s=4))):
            read_or_refused(fn, p, **kw)


TOKENS = ["0", "1", "2", "3", "-1", "4.0", "W", "NR", "R*", "Q", "nan", "inf", "1e999", "stage", "epoch", "time",
          "onset_s", "brain_state", "eeg", "emg", "Stage", "Delta", "EMG", "2026-01-05 09:00:00", "é", "\ufeff",
          ",", ";", "\t", "\n", "\r\n", "\r", " ", '"', "[Hypnogram]", "Time,uV,uV", "01/01/2020 00:00:00.000"]
texty = st.tuples(st.lists(st.sampled_from(TOKENS), max_size=80).map("".join),
                  st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))


@pytest.mark.parametrize("suffix", [".csv", ".txt", "_scores.csv"])
@FUZZ
@given(doc=texty)
def test_random_text_is_read_or_refused_clearly(suffix, doc):
    text, encoding = doc
    with scratch("notes" + suffix, text.encode(encoding, errors="replace") or b" ") as p:
        for fn, kw in ((load_recording, dict(sfreq_hz=256)), (load_scores, {}), (load_scores, dict(epoch_s=4)),
                       (load_bandpower_table, {})):
            read_or_refused(fn, p, **kw)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_empty_files(suffix):
    with scratch("empty" + suffix, b"") as p:
        for fn in (load_recording, load_scores, load_bandpower_table):
            refused(fn, p, FileFormatError, "file is empty")


# ---- EDF: truncated files, lying headers -------------------------------------------------

@FUZZ
@given(cut=st.floats(0, 1, exclude_max=True))
@example(cut=0.0).via("one byte left")
@example(cut=0.014).via("inside the signal descriptions")
def test_truncated_edf_says_it_is_truncated(edf_bytes, cut):
    n = max(1, int(len(edf_bytes) * cut))
    with scratch("cut.edf", edf_bytes[:n]) as p:
        for fn in (load_recording, load_scores):
            refused(fn, p, FileFormatError, r"truncated|not an EDF")


LIES = [  # field, value written, phrase of the error
    ("records", "61", r"EDF file is truncated: its header declares 61 data records"),
    ("records", "59", r"EDF file is corrupt: it holds 60 data records but its header declares 59"),
    ("records", "0", r"holds 60 data records but its header declares 0"),
    ("records", "-5", r"number of data records is -5"),
    ("records", "abc", r"number of data records reads 'abc', not a whole number"),
    ("records", "", r"number of data records reads '', not a whole number"),
    ("duration", "0", r"duration of a data record is 0 s; it must be a positive"),
    ("duration", "-1", r"duration of a data record is -1 s"),
    ("duration", "nan", r"duration of a data record reads 'nan', not a number"),
    ("duration", "1e30", r"a data record lasts 1e\+30 s, but the records' own time stamps are 1 s apart"),
    ("duration", "2", r"a data record lasts 2 s, but the records' own time stamps are 1 s apart"),
    ("duration", "0.001", r"lasts 0.001 s"),
    ("signals", "0", r"declares 0 signals"),
    ("signals", "-1", r"declares -1 signals"),
    ("signals", "2", r"header-size field says 1,024 bytes, but 2 signals make a 768-byte header"),
    ("signals", "9999", r"EDF header is truncated: it declares 9,999 signals"),
    ("header bytes", "12", r"header-size field says 12 bytes"),
    ("samples 0", "0", r"signal 1 \('EEG'\) has 0 samples per data record"),
    ("samples 0", "-7", r"signal 1 \('EEG'\) has -7 samples per data record"),
    ("samples 1", "512", r"EDF file is truncated"),
    ("samples 1", "99999999", r"EDF file is truncated"),
    ("digital min 0", "32767", r"signal 1 \('EEG'\) has digital minimum 32767 and maximum 32767"),
    ("digital max 1", "-32768", r"signal 2 \('EMG'\) has digital minimum -32768 and maximum -32768"),
    ("digital min 0", "x", r"digital minimum of signal 1 \('EEG'\) reads 'x', not a whole number"),
    ("physical min 0", "FIELD:physical max 0", r"physical minimum and maximum both"),
    ("physical max 1", "inf", r"physical maximum of signal 2 \('EMG'\) reads 'inf', not a number"),
    ("version", "XYZ", r"not an EDF/BDF file: it starts with b'XYZ"),
    ("reserved", "EDF+D", r"EDF\+D \(discontinuous\)"),
]


@pytest.mark.parametrize("field,value,phrase", LIES, ids=[f"{f}={v}" for f, v, _ in LIES])
def test_lying_edf_header_fields_are_named(edf_bytes, field, value, phrase):
    if value.startswith("FIELD:"):  # copy another field: physical min == max
        off, width = FIELDS[value[6:]]; value = edf_bytes[off:off + width]
    with scratch("liar.edf", patch(edf_bytes, field, value)) as p:
        for fn in (load_recording, load_scores):
            refused(fn, p, FileFormatError, phrase)


STRUCTURAL = ["records", "duration", "signals", "header bytes", "samples 0", "samples 1", "samples 2"]
header_text = st.text(alphabet="0123456789+-.eE xn", max_size=8)


@FUZZ
@given(field=st.sampled_from(STRUCTURAL), value=header_text)
def test_any_structural_header_lie_is_refused_or_harmless(edf_bytes, good, field, value):
    "A field that says how the file is laid out either still reads as the clean file, or gets an error."
    with scratch("liar.edf", patch(edf_bytes, field, value)) as p:
        rec = read_or_refused(load_recording, p)
        if rec is not None: same_recording(rec, good[0])
        hyp = read_or_refused(load_scores, p)
        if hyp is not None: assert np.array_equal(hyp.stages, good[1].stages)


SCALING = [FIELDS[f"{what} {j}"] for j in range(N_SIG) for what in ("physical min", "physical max", "digital min",
                                                                    "digital max", "dimension")]
header_bytes = st.integers(0, 256 * (N_SIG + 1) - 1).filter(lambda i: not any(o <= i < o + w for o, w in SCALING))


@FUZZ
@given(at=st.lists(header_bytes, min_size=1, max_size=4), byte=st.integers(0, 255))
def test_random_header_bytes_are_refused_or_harmless(edf_bytes, good, at, byte):
    "Bytes changed anywhere in the header but in the scaling fields (whose lies cannot be told) do no silent harm."
    data = bytearray(edf_bytes)
    for i in at: data[i] = byte
    with scratch("flipped.edf", bytes(data)) as p:
        rec = read_or_refused(load_recording, p)
        if rec is not None:
            same_recording(rec, good[0])
            assert rec.start == good[0].start or any(168 <= i < 184 for i in at)  # a changed start date is legal
        hyp = read_or_refused(load_scores, p)
        if hyp is not None: assert np.array_equal(hyp.stages, good[1].stages)


@pytest.mark.parametrize("field,value", [("records", "99999999"), ("samples 0", "99999999"), ("signals", "9999"),
                                         ("samples 1", "99999999")])
def test_huge_declared_sizes_are_refused_before_allocating(edf_bytes, field, value):
    with scratch("huge.edf", patch(edf_bytes, field, value)) as p:
        tracemalloc.start()
        try:
            refused(load_recording, p, FileFormatError, r"truncated")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 20e6, f"{peak / 1e6:.0f} MB allocated to refuse a lying header"


@FUZZ
@given(field=st.sampled_from(["patient", "recording", "label 0", "label 1", "dimension 0"]),
       junk=st.binary(min_size=1, max_size=12).map(lambda b: bytes(128 + x % 128 for x in b)),
       at=st.integers(0, 6))
def test_non_ascii_header_text_is_read_leniently(edf_bytes, good, field, junk, at):
    off, width = FIELDS[field]
    old = edf_bytes[off:off + width].rstrip(b" ")
    value = (old[:at] + junk + old[at:])[:width]
    with scratch("accents.edf", patch(edf_bytes, field, value)) as p:
        with pytest.warns(SlumberNetWarning, match="non-ASCII"):
            try:
                rec = load_recording(p)
            except ChannelError as e:  # a label that no longer contains "EEG"/"EMG"
                assert field.startswith("label") and p.name in str(e)
                rec = None
        if rec is not None:
            assert rec.n_samples == good[0].n_samples
            if not field.startswith("dimension"):  # an unknown unit is read as µV, with a warning
                same_recording(rec, good[0])
        hyp = quiet(load_scores, p)
        assert np.array_equal(hyp.stages, good[1].stages) and np.array_equal(hyp.artefact, good[1].artefact)


def test_record_count_minus_one_is_counted_from_the_file_size(edf_bytes, good):
    with scratch("live.edf", patch(edf_bytes, "records", "-1")) as p:
        with pytest.warns(SlumberNetWarning, match=r"\(-1\); counted 60 from the file size"):
            rec = load_recording(p)
        same_recording(rec, good[0])
        assert np.array_equal(quiet(load_scores, p).stages, good[1].stages)
    per = 2 * sum(int(edf_bytes[slice(o, o + w)]) for o, w in (FIELDS[f"samples {j}"] for j in range(N_SIG)))
    with scratch("live.edf", patch(edf_bytes, "records", "-1")[:-per // 2]) as p:
        with pytest.warns(SlumberNetWarning, match="last data record is incomplete"):
            rec = load_recording(p)
        assert rec.n_samples == 59 * FS
        np.testing.assert_allclose(rec.eeg, good[0].eeg[:59 * FS], atol=1e-3)
    with scratch("live.edf", patch(edf_bytes, "records", "-1")[:1024 + 10]) as p:
        refused(load_recording, p, FileFormatError, r"holds no complete data record")


# ---- NumPy files ---------------------------------------------------------------------------

def npz_bytes(**arrays) -> bytes:
    b = io.BytesIO(); np.savez(b, **arrays); return b.getvalue()


def npy_bytes(a) -> bytes:
    b = io.BytesIO(); np.save(b, a); return b.getvalue()


REC = make_rec(10)
NPZ = npz_bytes(eeg=REC.eeg, emg=REC.emg, sfreq_hz=256.0)
NPY = npy_bytes(np.column_stack([REC.eeg, REC.emg]))


@FUZZ
@given(cut=st.floats(0, 1, exclude_min=True, exclude_max=True), flip=st.integers(0, 10**6), npz=st.booleans())
@example(cut=0.5, flip=8, npz=False).via("header length flipped: NumPy's header parser raised tokenize.TokenError")
def test_truncated_or_flipped_numpy_files(cut, flip, npz):
    data = NPZ if npz else NPY
    name = "r.npz" if npz else "r.npy"
    with scratch(name, data[:max(1, int(len(data) * cut))]) as p:
        refused(load_recording, p, FileFormatError, r"truncated|corrupt|not a readable|not a zip", sfreq_hz=256)
    i = flip % len(data)
    flipped = data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:]
    with scratch(name, flipped) as p:
        rec = read_or_refused(load_recording, p, sfreq_hz=256)
        if rec is not None: assert rec.n_samples == REC.n_samples  # a flipped sample value cannot be told


@pytest.mark.parametrize("shape", ["(99999999999, 2)", "(2560, 99999999)", "(-5, 2)"])
def test_numpy_header_lies_are_refused_before_allocating(shape):
    data = NPY.replace(b"(2560, 2)", shape.encode())
    with scratch("liar.npy", data) as p:
        tracemalloc.start()
        try:
            refused(load_recording, p, FileFormatError, r"NumPy header (declares|is corrupt)", sfreq_hz=256)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 20e6


@pytest.mark.parametrize("arrays,phrase", [
    (dict(eeg=np.array(["a"] * 2560), emg=REC.emg, sfreq_hz=256.0), r"column 'eeg' holds text, not numbers"),
    (dict(eeg=REC.eeg + 1j, emg=REC.emg, sfreq_hz=256.0), r"column 'eeg' holds complex numbers"),
    (dict(eeg=REC.eeg > 0, emg=REC.emg, sfreq_hz=256.0), r"holds True/False values"),
    (dict(eeg=REC.eeg, emg=REC.emg, sfreq_hz="fast"), r"'sfreq_hz' entry must be one number"),
    (dict(eeg=REC.eeg, emg=REC.emg, sfreq_hz=np.array([256.0, 512.0])), r"'sfreq_hz' entry must be one number"),
    (dict(eeg=REC.eeg, emg=REC.emg, sfreq_hz=-256.0), r"'sfreq_hz' entry must be a positive number, got -256"),
    (dict(eeg=REC.eeg, emg=REC.emg, sfreq_hz=np.nan), r"'sfreq_hz' entry must be a positive number"),
    (dict(data=np.column_stack([REC.eeg, REC.emg]), sfreq_hz=256.0), r"holds no 1-D arrays"),
])
def test_npz_contents_that_are_not_signals(arrays, phrase):
    with scratch("odd.npz", npz_bytes(**arrays)) as p:
        refused(load_recording, p, FileFormatError, phrase)


# ---- score files ---------------------------------------------------------------------------

labels = st.lists(st.sampled_from(["W", "NR", "R", "W*", "NR*", "-"]), min_size=2, max_size=40)


def csv_text(codes, sep=",", numbered=True, timed=False):
    head = ["epoch"] * numbered + ["time"] * timed + ["stage"]
    rows = [sep.join([str(i + 1)] * numbered + [f"{START + timedelta(seconds=4 * i):%Y-%m-%d %H:%M:%S}"] * timed
                     + [c]) for i, c in enumerate(codes)]
    return "\n".join([sep.join(head)] + rows) + "\n"


def sleepsign_text(codes, sep=","):
    meta = "File name,x.kcd\nSubject,caf\u00e9 mouse\n\nTime,Epoch No.,Stage\n"
    return meta + "".join(f"{START + timedelta(seconds=4 * i):%d/%m/%Y %H:%M:%S}{sep}{i}{sep}{c}\n"
                          for i, c in enumerate(codes))


def expected(codes):
    return Hypnogram.from_labels(codes, epoch_s=4)


@FUZZ
@given(codes=labels, sep=st.sampled_from([",", ";", "\t"]), numbered=st.booleans(), timed=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]), crlf=st.booleans(),
       trailing=st.sampled_from(["", "\n", "\n\n  \n"]), sleepsign=st.booleans())
def test_unusual_but_valid_score_files_read_exactly(codes, sep, numbered, timed, encoding, crlf, trailing, sleepsign):
    text = sleepsign_text(codes, sep) if sleepsign else csv_text(codes, sep, numbered, timed)
    text += trailing
    if crlf: text = text.replace("\n", "\r\n")
    with scratch("m1_scores.csv", text.encode(encoding)) as p:
        hyp = quiet(load_scores, p, epoch_s=4)
    ref = expected(codes)
    assert hyp.labels.tolist() == ref.labels.tolist() and hyp.artefact.tolist() == ref.artefact.tolist()


@FUZZ
@given(codes=labels, how=st.sampled_from(["drop", "repeat", "swap"]), at=st.integers(0, 100),
       sleepsign=st.booleans(), sep=st.sampled_from([",", "\t"]))
def test_missing_duplicate_and_out_of_order_epochs_are_refused(codes, how, at, sleepsign, sep):
    text = sleepsign_text(codes, sep) if sleepsign else csv_text(codes, sep, timed=True)
    lines = text.splitlines(keepends=True)
    first = len(lines) - len(codes)  # the rows are the last lines
    if how == "drop":  # a row between two others: a lost first or last row cannot be told
        if len(codes) < 3: return
        lines.pop(first + 1 + at % (len(codes) - 2))
    elif how == "repeat":
        k = first + at % len(codes); lines.insert(k, lines[k])
    else:
        k = first + at % (len(codes) - 1); lines[k], lines[k + 1] = lines[k + 1], lines[k]
    with scratch("bad_scores.csv", "".join(lines).encode()) as p:
        refused(load_scores, p, ScoreError, r"epoch numbering (skips \d+ epoch\(s\)|repeats|goes back) at line \d+")


SCORE_CASES = [  # file name, text, load_scores kwargs, error, phrase
    ("mixed.csv", "epoch,stage\n1,W\n2;N\n3,R\n", {}, FileFormatError,
     r"line 3 separates its fields with ';' but the header \(line 1\) uses ','"),
    ("mixed_tab.csv", "epoch;stage\n1;W\n2\tN\n", {}, FileFormatError, r"line 3 separates its fields with '\\t'"),
    ("mixed_sco.txt", sleepsign_text("WN") + f"{START:%d/%m/%Y} 09:00:08;2;R\n", {}, ScoreError,
     r"line 7 separates its fields with ';' but the rows before it use ','"),
    ("garbled_sco.txt", sleepsign_text("WNR") + "09:00:12 3 R\n", {}, ScoreError,
     r"line 8 is not a 'time, epoch, stage' row"),
    ("extra.csv", "stage\nW,x\nN,y\n", dict(epoch_s=4), FileFormatError,
     r"line 2 has 2 field\(s\) but the header \(line 1\) has 1"),
    ("short.csv", "epoch,stage,artefact\n1,W,0\n2,N\n", dict(epoch_s=4), FileFormatError, r"line 3 has 2 field"),
    ("blank.csv", "stage\nW\n\nN\n", dict(epoch_s=4), ScoreError, r"blank line 3 between rows"),
    ("blank_acc.csv", "brain_state\n2\n\n3\n", dict(epoch_s=4), ScoreError, r"blank line 3 between rows"),
    ("blank_dreams.txt", "[Hypnogram]\n5\n\n4\n", {}, ScoreError, r"blank line 3 between stages"),
    ("header_only.csv", "epoch,stage\n", dict(epoch_s=4), FileFormatError, r"has a header but no rows of scores"),
    ("header_only_acc.csv", "brain_state\n\n", dict(epoch_s=4), FileFormatError, r"header but no rows"),
    ("header_only_dreams.txt", "[Hypnogram]\n", {}, FileFormatError, r"'\[Hypnogram\]' header but no stages"),
    ("header_only_sco.txt", sleepsign_text(""), {}, FileFormatError, r"no rows of 'time, epoch, stage'"),
    ("unknown.csv", "epoch,stage\n1,W\n2,Q\n", dict(epoch_s=4), ScoreError, r"unknown stage code 'Q' at line 3"),
    ("unknown_latin1.csv", "epoch,stage\n1,W\n2,\u00e9veil\n", dict(epoch_s=4), ScoreError,
     r"unknown stage code '\u00e9veil' at line 3"),
    ("unknown_sco.txt", sleepsign_text(["W", "NREM2x"]), {}, ScoreError, r"unknown stage code 'NREM2x' at line 6"),
    ("unknown_acc.csv", "brain_state\n2\n7\n", dict(epoch_s=4), ScoreError, r"unknown AccuSleep brain_state '7'"),
    ("unknown_dreams.txt", "[Hypnogram]\n5\n9\n", {}, ScoreError, r"unknown DREAMS stage '9' at line 3"),
    ("dup_column.csv", "stage,Stage\nW,N\n", dict(epoch_s=4), FileFormatError, r"column 'Stage' appears twice"),
    ("huge_epoch.csv", "epoch,stage\n1,W\n99999999999999999999999,N\n", dict(epoch_s=4), ScoreError,
     r"not whole numbers \('99999999999999999999999' at line 3\)"),
    ("onset_flat.csv", "onset_s,stage\n0,W\n0,N\n", {}, ScoreError, r"onset_s does not advance"),
    ("onset_inf.csv", "onset_s,stage\n0,W\ninf,N\n", {}, ScoreError, r"'onset_s' column holds values that are not"),
    ("one_time.csv", "time,stage\n2026-01-05 09:00:00,W\n", {}, ScoreError, r"a single epoch does not tell its length"),
    ("quote.csv", 'epoch,stage\n1,"W\n2,N\n', dict(epoch_s=4), FileFormatError, r"line 3 cannot be read as CSV"),
    ("binary.csv", "stage\nW\x00\n", {}, FileFormatError, r"binary data, not a text score file"),
    ("epoch_s.csv", "stage\nW\nN\n", dict(epoch_s=0), ScoreError, r"epoch_s must be a positive number, got 0"),
    ("epoch_s_nan.csv", "stage\nW\nN\n", dict(epoch_s=float("nan")), ScoreError, r"epoch_s must be a positive"),
]


@pytest.mark.parametrize("name,text,kw,cls,phrase", SCORE_CASES, ids=[c[0] for c in SCORE_CASES])
def test_broken_score_files_are_named(name, text, kw, cls, phrase):
    encoding = "latin-1" if "latin1" in name else "utf-8"
    with scratch(name, text.encode(encoding)) as p:
        refused(load_scores, p, cls, phrase, **kw)


@FEW
@given(codes=st.lists(st.tuples(st.sampled_from([0, 1, 2, -1]), st.booleans()), min_size=1, max_size=200),
       epoch_s=st.sampled_from([0.3, 1.0, 2.5, 4.0, 10.0]), fmt=st.sampled_from(["edf", "csv", "accusleep"]),
       start=st.sampled_from([None, START]))
def test_written_scores_read_back_exactly(codes, epoch_s, fmt, start):
    "Round trip; it found pyedflib silently dropping annotations beyond one per data record."
    st_, art = zip(*codes)
    art = [a and s >= 0 for s, a in codes] if fmt != "accusleep" else [False] * len(codes)
    hyp = Hypnogram(np.array(st_, np.int8), epoch_s, np.array(art), start)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("s.edf" if fmt == "edf" else "s.csv")
        write_scores(hyp, path, format=fmt)
        back = quiet(load_scores, path, epoch_s=epoch_s if fmt != "edf" or start is None else None)
    assert back.stages.tolist() == hyp.stages.tolist()
    assert back.artefact.tolist() == hyp.artefact.tolist() and back.epoch_s == epoch_s


@FEW
@given(rows=st.lists(st.tuples(st.sampled_from(["W", "NR", "R*", "", "Q"]),
                               st.sampled_from(["1.5", "0", "-1", "inf", "", "x", "2e3"])), min_size=1, max_size=8),
       sep=st.sampled_from([",", ";", "\t"]))
def test_band_power_tables_with_bad_cells(rows, sep):
    cols = ["Stage", "Delta", "Theta", "Alpha", "Beta", "Gamma", "EMG"]
    text = sep.join(cols) + "\n" + "".join(sep.join([s] + [v] * 6) + "\n" for s, v in rows)
    with scratch("bp.csv", text.encode()) as p:
        got = read_or_refused(load_bandpower_table, p, epoch_s=4)
    ok = all(s != "Q" and v not in ("-1", "inf", "", "x") for s, v in rows)
    assert (got is not None) == ok
    if got is not None: assert len(got[0]) == len(got[1]) == len(rows)


# ---- signal and scores that do not match ----------------------------------------------------

def test_scores_of_another_epoch_length():
    rec = make_rec(60)
    hyp = Hypnogram.from_labels("W" * 15, epoch_s=10, start=START)  # 4-s epochs read as 10-s ones
    with pytest.raises(AlignmentError, match=r"scores are longer than the signal: 15 epochs of 10 s \(2.5 min\) "
                                             r"scored, but the signal holds 60.0 s \(6 full epochs\) \(they would "
                                             r"fit as 4-s epochs"):
        align(rec, hyp)


def test_scores_of_a_recording_of_another_length(tmp_path):
    write_recording(make_rec(40), tmp_path / "m1.edf")
    write_scores(HYP, tmp_path / "m2_scores.csv")
    rec, hyp = quiet(load_recording, tmp_path / "m1.edf"), load_scores(tmp_path / "m2_scores.csv")
    with pytest.raises(AlignmentError, match=r"m2_scores\.csv: scores are longer than the signal: 15 epochs of 4 s "
                                             r"\(1.0 min\) scored, but the signal \(m1\.edf\) holds 40.0 s \(10 full"):
        align(rec, hyp)


@FUZZ
@given(n_epochs=st.integers(0, 30), epoch_s=st.sampled_from([2.0, 2.5, 4.0, 5.0, 10.0]),
       seconds=st.floats(4, 120), trim=st.booleans())
def test_align_is_exact_or_names_both_sizes(n_epochs, epoch_s, seconds, trim):
    rec = Recording(np.random.default_rng(0).normal(size=int(seconds * 64)), 64.0, start=START)
    hyp = Hypnogram(np.zeros(n_epochs, np.int8), epoch_s, start=START, source=Path("s.csv"))
    full = int(rec.duration_s / epoch_s + 1e-9)
    try:
        r2, h2 = quiet(align, rec, hyp, trim=trim)
    except AlignmentError as e:
        msg = str(e)
        assert msg.startswith("s.csv: ")
        assert f"{n_epochs:,} epochs of {epoch_s:g} s" in msg and f"{rec.duration_s:.1f} s" in msg, msg
        assert n_epochs != full or n_epochs == 0
        return
    assert len(h2) == min(n_epochs, full) and r2.duration_s == pytest.approx(len(h2) * epoch_s)
    assert trim or n_epochs == full


# ---- recordings in text and tables ---------------------------------------------------------

TEXT_CASES = [  # file name, bytes, load_recording kwargs, error, phrase
    ("semi.csv", b"eeg,emg\n1,2\n3;4\n", dict(sfreq_hz=256), FileFormatError,
     r"column 'eeg' holds text, not numbers \(data row 2: '3;4'\) \(a row separated by another delimiter\?\)"),
    ("dup.csv", b"eeg,eeg,emg\n1,2,3\n", dict(sfreq_hz=256), FileFormatError, r"column 'eeg' appears twice"),
    ("head.csv", b"eeg,emg\n", dict(sfreq_hz=256), FileFormatError, r"has a header but no rows of samples"),
    ("dreams.txt", b"[C3-A1]\n1\nabc\n", dict(sfreq_hz=256, emg=False), FileFormatError,
     r"values after the channel name are not numbers \(line 3: 'abc'\)"),
    ("dreams_latin1.txt", "[C3\u00e9]\n".encode("latin-1") + b"1\n" * 2000, dict(sfreq_hz=256, emg=False),
     SignalError, r"recording is 7.81 s long|flat"),
    ("rate-0Hz.txt", b"1 2\n3 4\n", {}, SignalError, r"sampling rate sfreq_hz must be a positive number, got 0"),
    ("r.npy", NPY, dict(sfreq_hz=-1), SignalError, r"sfreq_hz must be a positive number, got -1"),
    ("r.npy", NPY, dict(sfreq_hz="fast"), SignalError, r"sfreq_hz must be a positive number, got 'fast'"),
    ("ss.txt", b"Time,uV,uV\n01/01/2020 00:00:00.000,1,2\n", dict(eeg="ch1", emg="ch2"), FileFormatError,
     r"time column does not advance \(1 row spanning 0 s\)"),
    ("ss_text.txt", b"Time,uV,uV\n01/01/2020 00:00:00.000,a,1\n01/01/2020 00:00:01.000,b,2\n",
     dict(eeg="ch1", emg="ch2"), FileFormatError, r"column 'ch1' holds text"),
]


@pytest.mark.parametrize("name,data,kw,cls,phrase", TEXT_CASES, ids=[c[0] + str(i) for i, c in enumerate(TEXT_CASES)])
def test_broken_text_recordings_are_named(name, data, kw, cls, phrase):
    with scratch(name, data) as p:
        refused(load_recording, p, cls, phrase, **kw)


@FEW
@given(sep=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]),
       note=st.sampled_from(["", "n\u00e9", "\u00b5V"]))
def test_csv_recordings_with_other_delimiters_and_encodings(sep, encoding, note):
    x = REC.eeg[:2560].astype(np.float64); y = REC.emg[:2560].astype(np.float64)
    head = sep.join(["eeg", "emg"] + [note] * bool(note))
    body = "".join(sep.join([f"{a:.4f}", f"{b:.4f}"] + ["0"] * bool(note)) + "\n" for a, b in zip(x, y))
    with scratch("r.csv", (head + "\n" + body).encode(encoding)) as p:
        rec = quiet(load_recording, p, sfreq_hz=256)
    np.testing.assert_allclose(rec.eeg, x, atol=1e-3)
