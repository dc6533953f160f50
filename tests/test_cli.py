"""The `slumbernet` command: score a folder, keep going past a bad file, train, cross-validate, info."""
import shutil

import pandas as pd
import pytest

from conftest import SAMPLES
from slumbernet.cli import main


def test_predict_a_folder_and_never_overwrite(tmp_path, capsys):
    out = tmp_path / "scored"
    assert main(["predict", str(SAMPLES), "--out", str(out), "--quiet"]) == 0
    assert len(list(out.glob("*_slumbernet.csv"))) == 8
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 8 and (summary.epochs == 450).all()
    before = (out / "mouse01_baseline_slumbernet.csv").read_bytes()
    assert main(["predict", str(SAMPLES / "mouse01_baseline.edf"), "--out", str(out), "--quiet"]) == 1
    assert "already exists" in capsys.readouterr().out
    assert (out / "mouse01_baseline_slumbernet.csv").read_bytes() == before


def test_a_broken_file_does_not_stop_the_others(tmp_path, capsys):
    src = tmp_path / "in"; src.mkdir()
    shutil.copy(SAMPLES / "mouse02_baseline.edf", src)
    (src / "broken.edf").write_bytes((SAMPLES / "mouse03_baseline.edf").read_bytes()[:5000])
    status = main(["predict", str(src), "--out", str(tmp_path / "out"), "--quiet", "--jobs", "2"])
    text = capsys.readouterr().out
    assert status == 1 and "EDF file is truncated" in text
    assert (tmp_path / "out" / "mouse02_baseline_slumbernet.csv").exists()


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
