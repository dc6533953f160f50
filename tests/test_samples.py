"""The bundled sample data: present, readable, aligned, small, and reproducible by its script."""
import subprocess
import sys

import numpy as np
import pytest

from conftest import SAMPLES
from slumbernet.io import align, load_recording, load_scores

NAMES = [f"mouse{i:02d}_{c}" for i in range(1, 5) for c in ("baseline", "recovery")]


@pytest.mark.parametrize("name", NAMES)
def test_sample_loads_and_aligns(name):
    rec = load_recording(SAMPLES / f"{name}.edf")
    hyp = load_scores(SAMPLES / f"{name}_scores.csv")
    r, h = align(rec, hyp)
    assert rec.sfreq_hz == 256 and rec.has_emg and len(h) == 450
    assert rec.animal_id == name.split("_")[0]
    assert set(np.unique(h.stages)) >= {0, 1}


def test_samples_are_small():
    total = sum(p.stat().st_size for p in SAMPLES.iterdir())
    assert total < 20e6


@pytest.mark.slow
def test_script_reproduces_the_samples_byte_for_byte(tmp_path):
    subprocess.run([sys.executable, str(SAMPLES / "make_samples.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for name in NAMES:
        for suffix in (".edf", "_scores.csv"):
            assert (tmp_path / f"{name}{suffix}").read_bytes() == (SAMPLES / f"{name}{suffix}").read_bytes(), name


def test_script_refuses_to_overwrite(tmp_path):
    (tmp_path / "mouse01_baseline.edf").write_bytes(b"precious")
    out = subprocess.run([sys.executable, str(SAMPLES / "make_samples.py"), "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "already exists" in out.stderr
    assert (tmp_path / "mouse01_baseline.edf").read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["mouse01_baseline.edf"]  # refused before writing anything
