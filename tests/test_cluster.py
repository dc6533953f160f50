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
