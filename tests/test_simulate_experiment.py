"""The simulated two-genotype experiment: the planted effects reach the files, and nothing is written over."""
import numpy as np
import pytest

from slumbernet.experiment import read_experiment
from slumbernet.io import OutputExistsError, load_scores
from slumbernet.simulate.experiment import EXPERIMENT_NAME, GenotypeEffects, simulate_experiment, truth_file


def true_stages(exp, group):
    files = exp.table.loc[exp.table["group"] == group, "file"]
    return np.concatenate([load_scores(truth_file(f)).stages for f in files])


def test_the_genotype_reaches_the_recordings(tmp_path):
    # no NREM -> REM transitions at all in the mutants: no REM in their true stages, and the scorer sees none
    exp = simulate_experiment(tmp_path, n_per_group=2, hours=2, sd_hours=1, sfreq_hz=128, seed=3,
                              effects=GenotypeEffects(rem_fraction=0.0, delta_rebound=1.0))
    assert (true_stages(exp, "WT") == 2).sum() > 0
    assert (true_stages(exp, "MUT") == 2).sum() == 0
    mut_scores = exp.table.loc[exp.table["group"] == "MUT", "scores"]
    assert all((load_scores(f).stages != 2).all() for f in mut_scores)
    assert read_experiment(tmp_path / EXPERIMENT_NAME).table.equals(exp.table)
    with pytest.raises(OutputExistsError):
        simulate_experiment(tmp_path, n_per_group=2, hours=2, sd_hours=1, sfreq_hz=128, seed=3)
