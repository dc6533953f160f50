"""`slumbernet report`: an experiment table to a report folder, from the command line; and, on a simulated
two-genotype experiment (slumbernet.simulate.experiment), that the report finds the effects planted in it and no
others, with the model's scores and with the simulated scorer's."""
import os
import warnings

os.environ.setdefault("MPLBACKEND", "Agg")

import pandas as pd
import pytest
from conftest import SAMPLES

from slumbernet.cli import main
from slumbernet.experiment import write_experiment


def _sample_table(folder, missing: bool = False):
    rows = [{"file": str(SAMPLES / f"mouse{i:02d}_{c}.edf"), "scores": str(SAMPLES / f"mouse{i:02d}_{c}_scores.csv"),
             "animal": f"mouse{i:02d}", "group": "A" if i <= 2 else "B", "condition": c}
            for i in range(1, 5) for c in ("baseline", "recovery")]
    if missing: rows[3]["file"] = str(folder / "gone.edf")
    return write_experiment(rows, folder / "experiment.csv")


def test_a_table_naming_a_missing_recording_is_an_error_naming_the_row_not_a_traceback(tmp_path, capsys):
    table = _sample_table(tmp_path, missing=True)
    assert main(["report", str(table), "--out", str(tmp_path / "rep"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "experiment.csv" in err and "row 5" in err and "gone.edf" in err and "Traceback" not in err
    assert not (tmp_path / "rep").exists()  # nothing scored or written for a table that is wrong


def test_a_report_is_written_once_and_replaced_only_with_overwrite(tmp_path, capsys):
    table = _sample_table(tmp_path)
    out = tmp_path / "rep"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two mice per group: warned about
        assert main(["report", str(table), "--out", str(out), "--quiet"]) == 0
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "Manual against model" in page and "Statistics" in page
        assert {p.name for p in out.iterdir()} == {"report.html", "tables", "figures", "scored"}
        assert (out / "figures" / "stage_time_per_hour.svg").exists() and (out / "tables" / "statistics.csv").exists()
        before = (out / "tables" / "statistics.csv").read_bytes()
        capsys.readouterr()
        assert main(["report", str(table), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "use --overwrite" in err and "overwrite=True" not in err and "Traceback" not in err
        assert main(["report", str(table), "--out", str(out), "--quiet", "--overwrite"]) == 0
    assert (out / "tables" / "statistics.csv").read_bytes() == before  # the same scores kept: the same tables
    assert "Every recording was scored in an earlier run" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_report_finds_the_planted_effects_and_no_others(tmp_path):
    """Simulated mice (a check of the pipeline, not evidence about real mice): 5 wild-type and 5 mutant mice, each on a
    baseline day, 6 h of sleep deprivation and the recovery. The mutants' NREM bouts end in REM 0.6 times as often
    (the others end in Wake: less REM, and so more Wake) and their NREM delta power rises 2.5 times as steeply with
    sleep pressure (a larger rebound; 2.5 rather than the simulator's default 1.6, which 5 mice per group cannot
    resolve). Both must be found with the model's scores and with the simulated scorer's; every other group difference
    (NREM time and bouts, Wake bouts, falling asleep, REM latency, spectra, baseline delta) must not be, after
    Benjamini-Hochberg."""
    from slumbernet.report import touches
    from slumbernet.simulate.experiment import GenotypeEffects, simulate_experiment
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exp = simulate_experiment(tmp_path / "sim", n_per_group=5, hours=24, seed=7, sfreq_hz=128,
                                  effects=GenotypeEffects(rem_fraction=0.6, delta_rebound=2.5))
        assert main(["report", str(exp.path), "--out", str(tmp_path / "rep"), "--quiet"]) == 0
    stats = pd.read_csv(tmp_path / "rep" / "tables" / "statistics.csv", keep_default_na=False, na_values=[""])
    group = stats[stats.family == "group"]
    rem = touches(group, "R")
    rebound = group.measure.str.startswith("NREM delta") & (group.condition != "baseline")
    wake_time = (group.level == "W") & group.measure.isin(["percent of hour", "minutes"])  # where REM's time went
    others = group[group.significant & ~(rem | rebound | wake_time)]
    assert others.empty, others[["scorer", "measure", "level", "condition", "phase", "effect", "p_adjusted"]].to_string()
    for scorer in ("model", "manual"):
        mine = group[(group.scorer == scorer) & group.significant]
        assert (touches(mine, "R") & (mine.measure == "minutes") & (mine.effect_size < 0)).any(), f"{scorer}: less REM not found"
        assert (mine.measure.str.startswith("NREM delta") & (mine.condition == "recovery")).any(), f"{scorer}: no larger rebound"
