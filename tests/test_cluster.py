"""Scoring on a Dask cluster: the same bytes as `slumbernet predict`, a failure per row, and resuming."""
import hashlib
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES
from slumbernet.cohort import LOCK_NAME, predict_files

distributed = pytest.importorskip("dask.distributed")
from slumbernet.cluster import predict_many  # noqa: E402


def digests(folder) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).iterdir()) if p.name != LOCK_NAME}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.mark.parametrize("fmt", ["csv", "edf"])
def test_a_cluster_writes_what_one_machine_writes(tmp_path, client, fmt):
    src = tmp_path / "in"; src.mkdir()
    for f in ("mouse01_baseline.edf", "mouse02_recovery.edf", "mouse04_baseline.edf"): shutil.copy(SAMPLES / f, src)
    (src / "broken.edf").write_bytes((SAMPLES / "mouse03_baseline.edf").read_bytes()[:5000])
    table = predict_many([src], tmp_path / "cluster", client, fmt=fmt, progress=False)
    assert table.status.tolist() == ["error", "scored", "scored", "scored"]
    assert "EDF file is truncated" in table.error[0] and (table.epochs[1:] == 450).all()
    predict_files([src], tmp_path / "one", fmt=fmt, progress=False)
    assert digests(tmp_path / "cluster") == digests(tmp_path / "one")
    # resumed on the cluster: only the missing result is scored, to the same bytes
    before = digests(tmp_path / "cluster")
    (tmp_path / "cluster" / f"mouse02_recovery_slumbernet.{fmt}").unlink()
    again = predict_many([src], tmp_path / "cluster", client, fmt=fmt, progress=False)
    assert again.status.tolist() == ["error", "kept (exists)", "scored", "kept (exists)"]
    assert {k: v for k, v in digests(tmp_path / "cluster").items() if k != "summary.csv"} == \
        {k: v for k, v in before.items() if k != "summary.csv"}


def test_a_task_that_fails_on_a_worker_is_one_row(tmp_path, client):
    table = predict_many([SAMPLES / "mouse01_recovery.edf"], tmp_path, client, progress=False, impossible="sometimes")
    assert table.status.tolist() == ["error"]
    assert "its task failed on the cluster (ValueError: impossible must be None, 'flag' or 'fix'" in table.error[0]


def test_workers_with_several_threads_are_warned_about(tmp_path):
    from slumbernet.io import SlumberNetWarning
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c, pytest.warns(SlumberNetWarning, match="threads_per_worker=1"):
        predict_many([SAMPLES / "mouse01_recovery.edf"], tmp_path, c, progress=False, impossible="sometimes")


@pytest.mark.slow  # a report of the 8 samples, scored on the cluster and on one machine
def test_a_report_scored_on_a_cluster_is_the_report_scored_on_one_machine(tmp_path, client):
    import warnings
    from slumbernet.experiment import write_experiment
    from slumbernet.report.run import report_experiment
    rows = [{"file": str(SAMPLES / f"mouse{i:02d}_{c}.edf"), "animal": f"mouse{i:02d}", "group": "A" if i <= 2 else "B",
             "condition": c} for i in range(1, 5) for c in ("baseline", "recovery")]
    table = write_experiment(rows, tmp_path / "experiment.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two mice per group: warned about
        report_experiment(table, tmp_path / "cluster", progress=False, client=client)
        report_experiment(table, tmp_path / "one", progress=False)
    for sub in ("scored", "tables"):
        assert {k: v for k, v in digests(tmp_path / "cluster" / sub).items() if k != "summary.csv"} == \
            {k: v for k, v in digests(tmp_path / "one" / sub).items() if k != "summary.csv"}


@pytest.mark.parametrize("command", ["predict", "report"])
def test_a_scheduler_that_does_not_answer_or_dask_missing_is_told_in_cli_options(tmp_path, capsys, monkeypatch, command):
    import sys
    import slumbernet.cli
    from slumbernet.cli import main
    first = ["predict", str(SAMPLES / "mouse01_baseline.edf")] if command == "predict" else ["report", "experiment.csv"]
    monkeypatch.setattr(slumbernet.cli, "SCHEDULER_TIMEOUT_S", 0.5)
    assert main([*first, "--out", str(tmp_path / "out"), "--quiet", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --scheduler tcp://127.0.0.1:9: no Dask scheduler answered") and "Traceback" not in err
    assert main([*first, "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9", "--jobs", "2"]) == 2
    assert "leave out --jobs" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if slumbernet[cluster] were not installed
    assert main([*first, "--out", str(tmp_path / "out"), "--scheduler", "local"]) == 2
    assert "pip install 'slumbernet[cluster]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.slow  # starts a local cluster of two workers, each loading TensorFlow
def test_predict_with_scheduler_local_writes_what_predict_writes(tmp_path, capsys):
    from slumbernet.cli import main
    files = [str(SAMPLES / f) for f in ("mouse01_baseline.edf", "mouse02_recovery.edf")]
    assert main(["predict", *files, "--out", str(tmp_path / "dask"), "--quiet", "--scheduler", "local", "--jobs", "2"]) == 0
    assert main(["predict", *files, "--out", str(tmp_path / "one"), "--quiet"]) == 0
    assert {k: v for k, v in digests(tmp_path / "dask").items() if k != "summary.csv"} == \
        {k: v for k, v in digests(tmp_path / "one").items() if k != "summary.csv"}
