"""The light install: scoring, comparing and reviewing work without TensorFlow (`pip install .`); training says how to
get it (`pip install "slumbernet[train]"`)."""
import subprocess
import sys

from conftest import SAMPLES

NO_TENSORFLOW = """import sys
class Absent:  # TensorFlow and Keras as if not installed: importing them fails as it would then
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("tensorflow", "keras"): raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, Absent())
"""


def without_tensorflow(code: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", NO_TENSORFLOW + code, *map(str, args)], capture_output=True,
                          text=True, timeout=600)


def test_scoring_comparing_and_reviewing_need_no_tensorflow(tmp_path):
    r = without_tensorflow("import sys\n"
                           "from slumbernet.core import predict\n"
                           "from slumbernet.workflow import compare_files\n"
                           "import slumbernet.review, slumbernet.quiz, slumbernet.evaluate, slumbernet.cli\n"
                           "p = predict(sys.argv[1]); print(len(p), p.checks['method'])\n"
                           "c = compare_files([(sys.argv[1], sys.argv[2])], sys.argv[3]); print(round(c.pooled.metrics['kappa'], 3))\n",
                           SAMPLES / "mouse01_baseline.edf", SAMPLES / "mouse01_baseline_scores.csv", tmp_path / "check")
    assert r.returncode == 0, r.stderr
    epochs, method, kappa = r.stdout.split()
    assert int(epochs) == 450 and float(kappa) > 0.8


def test_training_without_tensorflow_says_how_to_install_it(tmp_path):
    r = without_tensorflow("from slumbernet.cli import console; console()", "calibrate", SAMPLES / "mouse01_baseline.edf",
                           "--out", tmp_path / "ours")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert 'need TensorFlow, which scoring does not: pip install "slumbernet[train]"' in r.stderr
    assert not list(tmp_path.iterdir())
