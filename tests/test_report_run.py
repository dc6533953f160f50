"""`slumbernet report`: an experiment table to a report folder, from the command line. That the report finds the
effects planted in a simulated two-genotype experiment, and no others, with both scorers, is asserted by
nbs/20_cohort_experiment.ipynb (run by the slow tier: it simulates and scores 30 recordings)."""
import os
import warnings

os.environ.setdefault("MPLBACKEND", "Agg")

from conftest import SAMPLES

from slumbernet.cli import main
from slumbernet.experiment import write_experiment


def _sample_table(folder, missing: bool = False, conditions=("baseline", "recovery")):
    rows = [{"file": str(SAMPLES / f"mouse{i:02d}_{c}.edf"), "scores": str(SAMPLES / f"mouse{i:02d}_{c}_scores.csv"),
             "animal": f"mouse{i:02d}", "group": "A" if i <= 2 else "B", "condition": c}
            for i in range(1, 5) for c in conditions]
    if missing: rows[3]["file"] = str(folder / "gone.edf")
    return write_experiment(rows, folder / "experiment.csv")


def test_a_table_naming_a_missing_recording_is_an_error_naming_the_row_not_a_traceback(tmp_path, capsys):
    table = _sample_table(tmp_path, missing=True)
    assert main(["report", str(table), "--out", str(tmp_path / "rep"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "experiment.csv" in err and "row 5" in err and "gone.edf" in err and "Traceback" not in err
    assert not (tmp_path / "rep").exists()  # nothing scored or written for a table that is wrong


def test_a_report_is_written_once_and_replaced_only_with_overwrite(tmp_path, capsys):
    table = _sample_table(tmp_path, conditions=("baseline",))  # one day per mouse: half the figures to draw twice
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
