"""The experiment table: every impossible table is refused with a message naming the file, the row and the
problem (all problems at once); questionable designs warn; tables are written atomically and read back."""
import warnings

import pytest

from slumbernet.experiment import ExperimentError, read_experiment, write_experiment
from slumbernet.io import OutputExistsError, SlumberNetError, SlumberNetWarning

HEADER = "file,scores,animal,group,condition,day,light_on\n"


@pytest.fixture
def lab(tmp_path):
    for i in range(1, 5):
        for c in ("bl", "sd"):
            (tmp_path / f"m{i}_{c}.edf").write_bytes(b"0")
            (tmp_path / f"m{i}_{c}_scores.csv").write_text("stage\nW\n")
    return tmp_path


def good_rows(skip=()):
    return [f"m{i}_{c}.edf,m{i}_{c}_scores.csv,m{i},{'WT' if i < 3 else 'MUT'},{cond},{day},07:00"
            for i in range(1, 5) for c, cond, day in (("bl", "baseline", 1), ("sd", "sleep_deprivation", 2))
            if (i, c) not in skip]


def write(folder, rows, header=HEADER, name="experiment.csv"):
    p = folder / name
    p.write_text(header + "".join(r + "\n" for r in rows))
    return p


def problems_of(path):
    with pytest.raises(ExperimentError) as e:
        read_experiment(path)
    assert str(e.value).startswith(f"{path}: ")  # the message names the table file
    assert isinstance(e.value, SlumberNetError)
    return e.value.problems


def test_a_good_table_reads_without_warnings(lab):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exp = read_experiment(write(lab, good_rows()))
    assert len(exp) == 8 and exp.groups == ["WT", "MUT"] and exp.baseline_condition == "baseline"
    assert exp.table["scores"][0] == str(lab / "m1_bl_scores.csv")
    assert "8 recordings" in repr(exp) and "WT 2, MUT 2" in repr(exp)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolons_and_tabs(lab, sep):
    rows = [r.replace(",", sep) for r in good_rows()]
    exp = read_experiment(write(lab, rows, HEADER.replace(",", sep)))
    assert exp.animals == ["m1", "m2", "m3", "m4"]


def test_missing_columns_are_all_named(lab):
    p = write(lab, ["m1_bl.edf,WT"], "file,genotype\n")
    probs = problems_of(p)
    for c in ("animal", "group", "condition"):
        assert any(x.startswith(f"no '{c}' column (row 1 has: file, genotype)") for x in probs), c


def test_missing_file_and_scores(lab):
    rows = good_rows()
    rows[2] = rows[2].replace("m2_bl.edf,", "m2_bl_typo.edf,")
    rows[5] = rows[5].replace("m3_sd_scores.csv", "gone.csv")
    probs = problems_of(write(lab, rows))
    assert probs == [f"row 4: file 'm2_bl_typo.edf': file not found (looked in {lab})",
                     f"row 7: scores 'gone.csv': file not found (looked in {lab})"]


def test_absolute_paths_and_folders(lab, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere")
    rows = good_rows()
    rows[0] = rows[0].replace("m1_bl.edf,", f"{lab / 'm1_bl.edf'},")
    rows[1] = rows[1].replace("m1_sd.edf,", f"{other},")
    probs = problems_of(write(lab, rows))
    assert probs == [f"row 3: file '{other}': is a folder, not a recording file"]


def test_the_same_file_twice(lab):
    rows = good_rows()
    rows[3] = rows[3].replace("m2_sd.edf,", "./m2_bl.edf,")
    rows[4] = rows[4].replace("m3_bl.edf,", "m2_bl.edf,")
    probs = problems_of(write(lab, rows))
    assert probs == ["rows 4, 5, 6 name the same recording file 'm2_bl.edf': one row per recording"]


def test_an_animal_in_two_groups(lab):
    rows = good_rows()
    rows[1] = rows[1].replace(",WT,", ",MUT,")
    probs = problems_of(write(lab, rows))
    assert probs == ["animal 'm1' is in 2 groups: 'WT' (row 2), 'MUT' (row 3): a mouse has one group"]


@pytest.mark.parametrize("variant", ["Baseline", "base line", "BASELINE", "base-line", "BL"])
def test_a_condition_typed_two_ways(lab, variant):
    rows = good_rows()
    rows[6] = rows[6].replace(",baseline,", f",{variant},")
    probs = problems_of(write(lab, rows))
    assert probs == [f"condition typed 2 ways: 'baseline' (rows 2, 4, 6), {variant!r} (row 8): use one spelling"]


def test_sleep_deprivation_typed_three_ways(lab):
    rows = good_rows()
    rows[3] = rows[3].replace("sleep_deprivation", "sleep deprivation")
    rows[5] = rows[5].replace("sleep_deprivation", "SD")
    probs = problems_of(write(lab, rows))
    assert probs == ["condition typed 3 ways: 'sleep_deprivation' (rows 3, 9), 'sleep deprivation' (row 5), "
                     "'SD' (row 7): use one spelling"]


def test_bad_light_on_and_day(lab):
    rows = good_rows()
    rows[0] = rows[0].replace(",07:00", ",25:00")
    rows[1] = rows[1].replace(",2,", ",Tuesday,")
    probs = problems_of(write(lab, rows))
    assert probs == ["row 2: light_on '25:00' is not a clock time HH:MM (e.g. 07:00)",
                     "row 3: day 'Tuesday' is neither a day number nor a date YYYY-MM-DD"]


def test_empty_tables(lab):
    assert problems_of(write(lab, [])) == ["no recordings: the table has a header but no rows"]
    empty = lab / "empty.csv"
    empty.write_text("")
    with pytest.raises(SlumberNetError, match="file is empty"):
        read_experiment(empty)
    blank = write(lab, [], "\n\n", "blank.csv")
    assert problems_of(blank) == ["row 1 holds no column names (empty file or empty first row)"]


def test_every_problem_in_one_message(lab):
    rows = good_rows() + ["m9.edf,,m9,WT,Baseline,1,7am", ",,,WT,baseline,1,07:00"]
    p = write(lab, rows)
    with pytest.raises(ExperimentError) as e:
        read_experiment(p)
    text = str(e.value)
    assert text.startswith(f"{p}: 5 problems in the experiment table:\n")
    for part in ["row 10: file 'm9.edf': file not found", "row 11: no file given", "row 11: animal is empty",
                 "condition typed 2 ways: 'baseline' (rows 2, 4, 6, 8, 11), 'Baseline' (row 10)",
                 "row 10: light_on '7am' is not a clock time"]:
        assert part in text, part


def test_questionable_designs_warn(lab):
    rows = good_rows(skip={(3, "bl")})
    rows = [r.replace(",WT,", ",HET,") if r.startswith("m1_") else r for r in rows]
    with pytest.warns(SlumberNetWarning) as w:
        exp = read_experiment(write(lab, rows))
    messages = sorted(str(x.message) for x in w)
    assert len(messages) == 3 and all(m.startswith(str(lab / "experiment.csv")) for m in messages)
    assert any("group 'HET' has one animal (m1)" in m for m in messages)
    assert any("group 'WT' has one animal (m2)" in m for m in messages)
    assert any("animal 'm3' (MUT) has no 'baseline' recording" in m for m in messages)
    assert len(exp) == 7


def test_no_baseline_anywhere_does_not_warn(lab):
    rows = [r for r in good_rows() if "baseline" not in r]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_experiment(write(lab, rows)).baseline_condition is None


def test_write_refuses_to_overwrite_and_round_trips(lab):
    exp = read_experiment(write(lab, good_rows()))
    out = write_experiment(exp, lab / "copy.csv")
    assert out.read_text().splitlines()[1] == "m1_bl.edf,m1_bl_scores.csv,m1,WT,baseline,1,07:00"
    with pytest.raises(OutputExistsError):
        write_experiment(exp, out)
    write_experiment(exp.table.iloc[[0, 2]], out, overwrite=True)
    assert read_experiment(out).animals == ["m1", "m2"]
    with pytest.raises(ExperimentError, match="no 'group' column"):
        write_experiment([{"file": "a.edf", "animal": "a", "condition": "baseline"}], lab / "x.csv")
    assert not (lab / "x.csv").exists()


def test_formulas_are_written_as_text(lab):
    (lab / "=cmd.edf").write_bytes(b"0")
    rows = [{"file": "=cmd.edf", "animal": "m1", "group": "WT", "condition": "baseline"},
            {"file": "m2_bl.edf", "animal": "m2", "group": "WT", "condition": "baseline"}]
    out = write_experiment(rows, lab / "f.csv")
    assert "'=cmd.edf" in out.read_text()
    assert read_experiment(out).table["file"][0] == str(lab / "=cmd.edf")


def test_trailing_separators_add_no_columns(lab):
    rows = [r.replace(",", ";") + ";;" for r in good_rows()]
    exp = read_experiment(write(lab, rows, HEADER.replace(",", ";").rstrip("\n") + ";;\n"))
    assert list(exp.table.columns) == ["file", "scores", "animal", "group", "condition", "day", "light_on", "row",
                                       "light_on_h"]
