"""The experiment report's core (slumbernet.report): on a synthetic two-group experiment it finds the differences
planted and no others; with none planted it finds none; its input is checked and compact; its tables reach disk."""
import warnings
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from slumbernet.io import Hypnogram, OutputExistsError
from slumbernet.report import (STAT_COLUMNS, ReportInputError, epoch_table, experiment_tables, recording_epochs,
                               simulate_epoch_table, touches, write_tables)


def tables_of(**planted):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        epochs, spectra = simulate_epoch_table(8, seed=0, **planted)
    return epochs, experiment_tables(epochs, spectra, reference="wt")


@pytest.fixture(scope="module")
def planted():
    return tables_of()  # the mutants keep half their REM bouts; their delta rebound is larger


def group_effects(stats):
    return stats[stats.family == "group"]


@pytest.mark.slow  # a synthetic 16-mouse experiment (the report notebooks check the same on smaller ones)
def test_the_planted_differences_are_found_by_both_scorers(planted):
    stats = group_effects(planted[1]["statistics"])
    for scorer in ("manual", "model"):
        s = stats[stats.scorer == scorer]
        rem_hours = s[(s.measure == "percent of hour") & (s.level == "R") & (s.effect == "group")]
        assert len(rem_hours) == 3 and rem_hours.significant.all()  # each condition
        rem_light = s[(s.measure == "minutes") & (s.level == "R") & (s.phase == "light")]
        assert len(rem_light) == 3 and rem_light.significant.all() and (rem_light.effect_size < 0).all()
        rebound = s[(s.measure == "NREM delta % of baseline") & (s.condition != "baseline")]
        assert rebound[rebound.effect == "group x zt_h"].significant.all()
        assert (rebound.p_adjusted < 0.001).any()


@pytest.mark.slow  # a synthetic 16-mouse experiment (the report notebooks check the same on smaller ones)
def test_and_no_others(planted):
    stats = group_effects(planted[1]["statistics"])
    wake_only = (stats.level != "") & ~touches(stats, "NR")  # Wake time and bouts: nothing planted there
    wake_nrem = stats.level == "W->N"  # falling asleep: REM relabelled NREM does not change it
    baseline_delta = stats.measure.str.startswith("NREM delta % of baseline") & (stats.condition == "baseline")
    null = stats[wake_only | wake_nrem | baseline_delta]
    assert len(null) > 40 and not null.significant.any(), null[null.significant]
    # what may differ: REM and the NREM it became (time, bouts, transitions), REM latency, the rebound
    allowed = touches(stats, "NR") | (stats.measure == "rem_latency_min") | (
        stats.measure.str.startswith("NREM delta % of baseline") & (stats.condition != "baseline"))
    assert not (stats.significant & ~allowed).any(), stats[stats.significant & ~allowed]


@pytest.mark.slow  # a synthetic 16-mouse experiment (the report notebooks check the same on smaller ones)
def test_nothing_planted_nothing_found():
    _, tables = tables_of(rem_kept=(1.0, 1.0), rebound=(0.0, 0.0))
    stats = group_effects(tables["statistics"])
    assert len(stats) > 150 and not stats.significant.any(), stats[stats.significant]
    assert not tables["conclusion_changes"].changes_conclusion.any()


@pytest.mark.slow  # a synthetic 16-mouse experiment (the report notebooks check the same on smaller ones)
def test_statistics_table_is_tidy_and_states_its_tests(planted):
    stats = planted[1]["statistics"]
    assert stats.columns.tolist() == STAT_COLUMNS
    assert set(stats.test) == {"mixed ANOVA (pingouin.mixed_anova)",
                               "mixed ANOVA (pingouin.mixed_anova), Greenhouse-Geisser corrected",
                               "Welch's t-test (pingouin.ttest)"}
    assert stats.p_adjusted.notna().all() and (stats.p_adjusted >= stats.p - 1e-12).all()
    welch = stats[stats.statistic_name == "t"]
    assert ((welch.ci95_low <= welch.effect_size) & (welch.effect_size <= welch.ci95_high)).all()
    assert set(stats.n_per_group) >= {"wt 8, mutant 8"}


@pytest.mark.slow  # a synthetic 16-mouse experiment (the report notebooks check the same on smaller ones)
def test_the_epoch_table_is_compact(planted):
    epochs = planted[0]
    assert len(epochs) == 2 * 16 * 3 * 21600
    assert epochs.memory_usage(deep=True).sum() / len(epochs) < 25  # bytes an epoch: 120 recordings in ~130 MB
    assert epochs.stage.dtype == np.int8 and str(epochs.animal.dtype) == "category"


def test_impossible_input_is_refused_naming_the_table():
    hyp = Hypnogram.from_labels("WNNR" * 10, start="2026-01-05 07:00")
    rows = [recording_epochs(hyp, f"r{i}", f"m{i}", "wt", "baseline") for i in range(3)]
    with pytest.raises(ReportInputError, match="cohort.csv: animal 'm0' is in two groups"):
        epoch_table(rows + [recording_epochs(hyp, "r9", "m0", "ko", "sd")], "cohort.csv")
    with pytest.raises(ReportInputError, match="no start time"):
        recording_epochs(Hypnogram.from_labels("WN"), "r", "m", "g", "c")
    with pytest.warns(UserWarning, match="group 'ko' has 1 animal"):
        epoch_table(rows + [recording_epochs(hyp, "r9", "m9", "ko", "sd")])
    artefact = Hypnogram(np.array([1, 1]), 4.0, np.array([True, False]), datetime(2026, 1, 5, 7))
    assert recording_epochs(artefact, "r", "m", "g", "c").stage.tolist() == [-1, 1]  # in no stage


@pytest.mark.slow  # a synthetic 16-mouse experiment (the report notebooks check the same on smaller ones)
def test_tables_reach_disk_once(planted, tmp_path):
    tables = planted[1]
    paths = write_tables(tables, tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{k}.csv" for k in tables)
    back = pd.read_csv(tmp_path / "statistics.csv")
    assert len(back) == len(tables["statistics"]) and back.significant.sum() == tables["statistics"].significant.sum()
    with pytest.raises(OutputExistsError):
        write_tables({"statistics": back}, tmp_path)


@pytest.mark.slow  # a synthetic 16-mouse experiment (the report notebooks check the same on smaller ones)
def test_scorers_are_compared_on_the_recordings_both_scored(planted):
    epochs = planted[0]
    hand = epochs.animal.isin([f"{g}{i}" for g in ("wt", "mutant") for i in range(1, 5)])  # 4 of 8 per group
    tables = experiment_tables(epochs[(epochs.scorer == "model") | hand], reference="wt")
    changes = tables["conclusion_changes"]
    assert set(changes.n_per_group_manual) == set(changes.n_per_group_model) == {"wt 4, mutant 4"}
    assert set(tables["statistics"].query("scorer == 'model'").n_per_group) == {"wt 8, mutant 8"}


def test_a_time_course_without_variance_is_left_untested_not_an_error():
    "Wake through 6 h of sleep deprivation is 100 % of every hour in every mouse: nothing to test (pingouin gives no F)."
    from slumbernet.report.stats import time_course_anova
    t = pd.DataFrame([("model", g, f"{g}{i}", "sleep_deprivation", h, 100.0) for g in "ab" for i in range(3) for h in range(6)],
                     columns=["scorer", "group", "animal", "condition", "zt_h", "percent"])
    assert time_course_anova(t, "percent", level=None).empty
    t.loc[t.zt_h >= 3, "percent"] = np.linspace(40, 60, int((t.zt_h >= 3).sum()))
    assert len(time_course_anova(t, "percent", level=None)) == 3  # with variance: group, time, group x time


def test_touches_reads_a_statistics_table_read_back_from_csv():
    "Tests with no level (REM latency, delta) have an empty cell, read back as NaN: they touch no stage."
    from slumbernet.report import touches
    t = pd.DataFrame({"level": ["R", np.nan, "N->R", "W"]})
    assert touches(t, "R").tolist() == [True, False, True, False]
