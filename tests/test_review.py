"""The inspector (slumbernet.review): lists the right epochs, filters, navigates, relabels, undoes, and exports safely.
What a browser shows of it (figure scale, messages, status line, keys) is checked here without one; tests/test_browser.py clicks
through it, and the scoring quiz (tests/test_quiz.py), in Chromium."""
import os
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

from dataclasses import replace
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from slumbernet.core import Prediction, predict
from slumbernet.io import (AlignmentError, Hypnogram, OutputExistsError, SlumberNetError, load_scores,
                           write_recording, write_scores)
from slumbernet.review import EDIT_COLUMNS, Inspector, amplitude_scales_uv, disagreements, plot_epoch


COLUMNS = ["epoch", "onset_s", "time", "manual", "model", "p_W", "p_N", "p_R", "confidence"]


@pytest.fixture
def on_disk(sim, pred, tmp_path):
    "An inspector whose manual scores and recording were read from files in tmp_path."
    scores = write_scores(sim.scores, tmp_path / "scores.csv")
    edf = write_recording(sim.recording, tmp_path / "rec.edf")
    return Inspector(replace(sim.recording, source=edf), load_scores(scores), pred)


def toy():
    # epoch 6 unscored, epoch 7 flagged as an artefact: never listed
    manual = Hypnogram.from_labels(["W", "W", "N", "N", "R", "R", "-", "N*", "N"], start=datetime(2026, 1, 5, 7, 0))
    p = np.array([[.9, .1, 0], [.3, .6, .1], [.1, .9, 0], [.2, .45, .35], [.1, .2, .7],
                  [.6, .1, .3], [.8, .1, .1], [.7, .2, .1], [.1, .3, .6]])
    return manual, Prediction(p.argmax(1).astype(np.int8), p, 4.0)


def expected_epochs(manual, pred, a, b):
    "Epochs scored `a` by hand and `b` by the model, computed without the module."
    stage = {"W": 0, "N": 1, "R": 2}
    return np.flatnonzero(manual.scored & (manual.stages == stage[a]) & (pred.stages == stage[b])).tolist()


def test_disagreements_lists_exactly_the_differing_scored_epochs():
    manual, pred = toy()
    d = disagreements(manual, pred)
    assert list(d.columns) == COLUMNS
    assert d.to_dict("records") == [
        {"epoch": 1, "onset_s": 4.0, "time": pd.Timestamp("2026-01-05 07:00:04"), "manual": "W", "model": "N",
         "p_W": 0.3, "p_N": 0.6, "p_R": 0.1, "confidence": 0.6},
        {"epoch": 5, "onset_s": 20.0, "time": pd.Timestamp("2026-01-05 07:00:20"), "manual": "R", "model": "W",
         "p_W": 0.6, "p_N": 0.1, "p_R": 0.3, "confidence": 0.6},
        {"epoch": 8, "onset_s": 32.0, "time": pd.Timestamp("2026-01-05 07:00:32"), "manual": "N", "model": "R",
         "p_W": 0.1, "p_N": 0.3, "p_R": 0.6, "confidence": 0.6}]


def test_disagreements_pair_and_confidence_filters():
    manual, pred = toy()
    assert disagreements(manual, pred, pair=("R", "W")).epoch.tolist() == [5]
    assert disagreements(manual, pred, pair=["rem", "wake"]).epoch.tolist() == [5]
    assert disagreements(manual, pred, pair=("W", "R")).empty
    assert disagreements(manual, pred, max_confidence=0.5).epoch.tolist() == [3]  # they agree, the model is unsure
    assert disagreements(manual, pred, max_confidence=0.65).epoch.tolist() == [1, 3, 5, 8]
    assert disagreements(manual, pred, pair=("W", "N"), max_confidence=0.5).empty
    no_start = Hypnogram(manual.stages, 4.0, manual.artefact)
    assert "time" not in disagreements(no_start, pred).columns


@pytest.mark.parametrize("pair, message", [(("R", "X"), "'X' is not a stage"), (("R", "R"), "two different"),
                                           ("RW", "pair must be"), (("R", "W", "N"), "pair must be")])
def test_disagreements_rejects_bad_pairs(pair, message):
    manual, pred = toy()
    with pytest.raises(ValueError, match=message):
        disagreements(manual, pred, pair=pair)


def test_disagreements_names_both_lengths():
    manual, pred = toy()
    with pytest.raises(ValueError, match="8 epochs but the prediction 9"):
        disagreements(manual[0:8], pred)


def test_inspector_checks_that_the_scores_cover_the_recording(sim, pred):
    with pytest.raises(AlignmentError, match="shorter than the signal"):
        Inspector(sim.recording, sim.scores[0:100], pred)


def test_choosing_a_pair_filters_to_exactly_those_epochs(ins, sim, pred):
    values = [v for _, v in ins.dropdown.options]
    assert values[0] == "all" and values[-1] == "unsure"
    pairs = values[1:-1]
    assert len(pairs) >= 2
    for label, value in ins.dropdown.options[1:-1]:
        want = expected_epochs(sim.scores, pred, *value)
        assert label == f"manual {value[0]} -> model {value[1]} ({len(want)})"
        ins.dropdown.value = value
        assert ins.rows.epoch.tolist() == want
        assert ins.epoch == want[0] and ins.position_label.value.startswith(f"1 / {len(want)}: epoch {want[0]:,} at ")
    ins.select("all")
    assert len(ins.rows) == int((sim.scores.scored & (sim.scores.stages != pred.stages)).sum())


def test_unsure_list_follows_the_threshold(ins, sim, pred):
    ins.select("unsure")
    for t in (0.9, 0.6):
        ins.threshold.value = t
        want = np.flatnonzero(sim.scores.scored & (pred.confidence.astype(float) < t)).tolist()
        assert want and ins.rows.epoch.tolist() == want


def test_next_and_prev_stop_at_the_ends(ins):
    # walk the shortest list of 3 or more epochs (each step draws a figure)
    sizes = {v: int(label.rsplit("(", 1)[1].rstrip(")")) for label, v in ins.dropdown.options[1:-1]}
    ins.select(min((v for v in sizes if sizes[v] >= 3), key=sizes.get))
    n = len(ins.rows)
    assert ins.position == 0 and ins.prev_button.disabled and not ins.next_button.disabled
    ins.prev_button.click()
    assert ins.position == 0
    seen = [ins.epoch]
    for _ in range(n - 1):
        ins.next_button.click()
        seen.append(ins.epoch)
    assert seen == ins.rows.epoch.tolist() and ins.next_button.disabled
    ins.next()
    assert ins.position == n - 1  # no wrapping
    ins.prev()
    assert ins.position == n - 2 and not ins.next_button.disabled


def test_relabel_changes_the_corrected_label_logs_it_and_advances(ins, sim, pred):
    e = ins.epoch
    new = "WNR"[pred.stages[e]]  # the model's label, which differs from the manual one
    ins.relabel_buttons[new].click()
    assert ins.corrected.labels[e] == new and sim.scores.labels[e] != new
    assert (ins.corrected.stages != sim.scores.stages).sum() == 1
    assert ins.position == 1
    assert len(ins.edits) == 1
    edit = ins.edits[0]
    assert set(edit) == set(EDIT_COLUMNS)
    assert (edit["epoch"], edit["onset_s"], edit["old"], edit["new"], edit["model"]) == \
        (e, e * 4.0, sim.scores.labels[e], new, new)
    assert edit["confidence"] == pytest.approx(pred.confidence[e], abs=1e-4)
    assert "| 1 edit |" in repr(ins)


def test_relabel_to_the_same_label_logs_nothing(ins):
    e = ins.epoch
    assert ins.relabel(ins.corrected.labels[e]) is None
    assert ins.edits == [] and ins.position == 1


def test_typed_keys_relabel_and_undo(ins, sim):
    e0, e1 = ins.rows.epoch[:2]
    new0, new1 = (next(s for s in "WNR" if s != sim.scores.labels[e]) for e in (e0, e1))
    ins.keys.value = new0.lower()
    ins.keys.value = new1  # upper case works too
    assert ins.keys.value == ""
    assert ins.corrected.labels[e0] == new0 and ins.corrected.labels[e1] == new1 and len(ins.edits) == 2
    ins.keys.value = "u"
    assert ins.corrected.labels[e1] == sim.scores.labels[e1] and ins.corrected.labels[e0] == new0
    assert [e["epoch"] for e in ins.edits] == [e0]


def test_undo_reverts_the_last_edit_and_returns_to_its_epoch(ins, sim):
    e = ins.epoch
    before = ins.corrected.stages.copy()
    new = next(s for s in "WNR" if s != sim.scores.labels[e])
    ins.relabel(new)
    assert ins.epoch != e
    ins.undo_button.click()
    assert ins.epoch == e and ins.edits == []
    assert (ins.corrected.stages == before).all()
    assert ins.undo() is None and ins.status.value == "nothing to undo · 0 edits"


def test_export_round_trips(on_disk, tmp_path):
    ins = on_disk
    manual = ins.manual
    edited = {}
    for _ in range(3):
        e = ins.epoch
        new = next(s for s in "WNR" if s != manual.labels[e])
        ins.relabel(new)
        edited[e] = new
    path, log = ins.export(tmp_path / "out" / "reviewed.csv")
    assert log == tmp_path / "out" / "reviewed_edits.csv"
    back = load_scores(path)
    want = manual.labels.copy()
    for e, new in edited.items(): want[e] = new
    assert back.labels.tolist() == want.tolist()
    assert (back.artefact == manual.artefact).all() and back.start == manual.start
    edits = pd.read_csv(log)
    assert list(edits.columns) == list(EDIT_COLUMNS) and len(edits) == 3
    assert dict(zip(edits.epoch, edits.new)) == edited


def test_export_button_writes_and_reports(on_disk, tmp_path):
    on_disk.path_box.value = str(tmp_path / "by_button.csv")
    on_disk.export_button.click()
    assert (tmp_path / "by_button.csv").exists() and (tmp_path / "by_button_edits.csv").exists()
    assert on_disk.status.value.startswith("wrote")
    on_disk.export_button.click()
    assert "already exists" in on_disk.status.value


def test_export_refuses_the_inputs_even_with_overwrite(on_disk, tmp_path):
    ins = on_disk
    ins.relabel("W" if ins.manual.labels[ins.epoch] != "W" else "N")
    for target in (tmp_path / "scores.csv", tmp_path / "rec.edf"):
        before = target.read_bytes()
        with pytest.raises(SlumberNetError, match=target.name):
            ins.export(target, overwrite=True)
        assert target.read_bytes() == before
        assert not target.with_name(f"{target.stem}_edits.csv").exists()


def test_export_refuses_existing_files_unless_asked(on_disk, tmp_path):
    ins = on_disk
    (tmp_path / "taken_edits.csv").write_text("someone's log\n")
    with pytest.raises(OutputExistsError, match="taken_edits.csv"):
        ins.export(tmp_path / "taken.csv")
    assert not (tmp_path / "taken.csv").exists()  # nothing written when refused
    path, _ = ins.export(tmp_path / "free.csv")
    with pytest.raises(OutputExistsError, match="free.csv"):
        ins.export(path)
    ins.relabel("W" if ins.manual.labels[ins.epoch] != "W" else "N")
    ins.export(path, overwrite=True)
    assert len(pd.read_csv(tmp_path / "free_edits.csv")) == 1


def test_widget_figure_and_repr(ins, sim):
    import matplotlib.pyplot as plt
    assert ins.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert ins.image in ins.widget.children[1].children
    assert len(ins.figure.axes) == 4
    open_before = plt.get_fignums()
    for _ in range(3): ins.next()
    assert plt.get_fignums() == open_before
    r = repr(ins)
    assert r.startswith(f"<Inspector | {sim.recording.recording_id} | {len(ins.rows)} disagreements | 0 edits")


def test_plot_epoch_labels_a_corrected_epoch(sim, pred):
    corrected = Hypnogram(sim.scores.stages.copy(), 4.0)
    e = 100
    corrected.stages[e] = (sim.scores.stages[e] + 1) % 3
    fig = plot_epoch(sim.recording, sim.scores, pred, e, context_epochs=1, corrected=corrected)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"{sim.scores.labels[e]}→{corrected.labels[e]}" in texts
    assert texts.count("manual") == 1 and len(texts) == 2 * 3 + 2
    with pytest.raises(ValueError, match="outside"):
        plot_epoch(sim.recording, sim.scores, pred, len(pred))


def test_an_empty_list_disables_the_buttons(sim, pred):
    agree = Hypnogram(pred.stages, pred.epoch_s, None, sim.scores.start)
    ins = Inspector(sim.recording, agree, pred)
    assert ins.epoch is None and ins.position_label.value == "no epochs in this list"
    assert all(b.disabled for b in (*ins.relabel_buttons.values(), ins.prev_button, ins.next_button))
    with pytest.raises(ValueError, match="empty"):
        ins.relabel("W")
    assert "0 disagreements" in repr(ins)
    # a message where the figure was, not an empty (broken) image
    assert ins.figure is None and ins.image.layout.display == "none"
    assert ins.message.layout.display != "none" and "No epochs in this list" in ins.message.value


# --- what a browser shows (issue 17, item 9) ----------------------------------------------------

def test_one_amplitude_scale_per_recording_that_the_sliders_change(ins, sim):
    scales = amplitude_scales_uv(sim.recording)
    assert set(scales) == {"EEG", "EMG"} and ins.scale_uv == scales
    want = [(-scales["EEG"], scales["EEG"]), (-scales["EMG"], scales["EMG"])]
    for _ in range(3):  # the same axes whatever the epoch holds
        assert [ax.get_ylim() for ax in ins.figure.axes[:2]] == want
        ins.next()
    ins.scale_sliders["EMG"].value = 40.0
    assert ins.figure.axes[1].get_ylim() == (-40.0, 40.0) and ins.scale_uv["EMG"] == 40.0
    ins.next()
    assert ins.figure.axes[1].get_ylim() == (-40.0, 40.0)  # kept for the next epochs
    assert ins.figure.axes[0].get_ylim() == want[0]
    # the scale is the recording's, not an epoch's: a quiet tenth of it does not shrink it
    quiet = amplitude_scales_uv(replace(sim.recording, emg=sim.recording.emg * 0.1))
    assert quiet["EMG"] == pytest.approx(scales["EMG"] * 0.1, rel=0.02)
    # a flat EMG has no scale (its axis fits its trace, and has no slider) rather than a zero one
    flat = replace(sim.recording, emg=np.zeros_like(sim.recording.emg))
    assert amplitude_scales_uv(flat) == {"EEG": scales["EEG"]}
    assert set(Inspector(flat, sim.scores, ins.pred).scale_sliders) == {"EEG"}


def test_status_line_counts_every_edit_and_undo(on_disk, tmp_path):
    ins = on_disk
    assert ins.status.value == "0 edits"
    e0 = ins.epoch
    new0 = next(s for s in "WNR" if s != ins.manual.labels[e0])
    ins.relabel(new0)
    assert ins.status.value == f"epoch {e0:,}: {ins.manual.labels[e0]} → {new0} · 1 edit, not exported yet"
    e1 = ins.epoch
    ins.relabel(next(s for s in "WNR" if s != ins.manual.labels[e1]))
    assert ins.status.value.endswith("· 2 edits, not exported yet")
    ins.next()  # moving does not leave a stale count
    assert ins.status.value.endswith("· 2 edits, not exported yet")
    ins.undo()
    assert ins.status.value == f"undone: epoch {e1:,} is {ins.manual.labels[e1]} again · 1 edit, not exported yet"
    ins.relabel(ins.corrected.labels[ins.epoch])  # the same label: nothing changes, and the line says so
    assert "already: nothing to change · 1 edit" in ins.status.value
    ins.path_box.value = str(tmp_path / "reviewed.csv")
    ins.export_button.click()
    assert ins.status.value.endswith("· 1 edit, exported to reviewed.csv")
    ins.undo()
    assert ins.status.value.endswith("· 0 edits, changed since the export")
    assert "edits)" not in ins.status.value and "1 edits" not in ins.status.value


def test_the_overwrite_box_lets_the_export_button_replace_files(on_disk, tmp_path):
    ins = on_disk
    assert ins.overwrite.value is False and ins.overwrite.description == "overwrite"
    ins.path_box.value = str(tmp_path / "reviewed.csv")
    ins.export_button.click()
    assert len(pd.read_csv(tmp_path / "reviewed_edits.csv")) == 0
    ins.relabel("W" if ins.manual.labels[ins.epoch] != "W" else "N")
    ins.export_button.click()
    message = ins.status.value
    assert message.startswith(f"not exported: {tmp_path / 'reviewed.csv'} already exists; tick “overwrite” to replace it")
    assert "overwrite=True" not in message and len(pd.read_csv(tmp_path / "reviewed_edits.csv")) == 0
    ins.overwrite.value = True
    ins.export_button.click()
    assert ins.status.value.startswith("wrote") and len(pd.read_csv(tmp_path / "reviewed_edits.csv")) == 1
    ins.export_button.click()  # the inputs stay refused, box or not
    ins.path_box.value = str(ins.manual.source)
    ins.export_button.click()
    assert ins.status.value.startswith("not exported:") and "is an input" in ins.status.value


def test_the_threshold_slider_is_active_for_the_unsure_list_only(ins):
    for label, value in ins.dropdown.options:
        ins.dropdown.value = value
        assert ins.threshold.disabled == (value != "unsure"), label
    ins.select("unsure")
    ins.threshold.value = 0.34  # no epoch is under it: an empty list, with a message
    assert ins.epoch is None and "raise the threshold" in ins.message.value
    ins.threshold.value = 0.9
    assert ins.epoch is not None and ins.image.layout.display is None and ins.message.layout.display == "none"


def test_keys_over_the_figure_relabel_undo_and_move(ins, sim):
    e0 = ins.epoch
    new0 = next(s for s in "WNR" if s != sim.scores.labels[e0])
    ins._on_key_event({"key": new0.lower(), "ctrlKey": False})
    assert ins.corrected.labels[e0] == new0 and ins.position == 1
    ins._on_key_event({"key": "r", "ctrlKey": True})  # a shortcut such as Ctrl+R: not a relabel
    assert len(ins.edits) == 1 and ins.position == 1
    ins._on_key_event({"key": "ArrowRight"})
    assert ins.position == 2
    ins._on_key_event({"key": "ArrowLeft"})
    ins._on_key_event({"key": "U"})
    assert ins.edits == [] and ins.epoch == e0
    # typed into a text box (the export path) while the pointer rests over the figure: no relabel
    ins._on_key_event({"key": "w", "target": {"tagName": "INPUT"}})
    assert ins.edits == [] and ins.epoch == e0 and "move the pointer off it" in ins.status.value


def test_keys_use_ipyevents_when_installed_else_the_box_with_a_hint(sim, pred, monkeypatch):
    try:
        import ipyevents  # noqa: F401
    except ImportError:
        pass
    else:
        ins = Inspector(sim.recording, sim.scores, pred)
        assert ins.key_events.source is ins.widget.children[1]  # the figure and its buttons
        assert set(ins.key_events.watched_events) == {"keydown"}
        assert ins.keys.layout.display == "none" and "pointer over the figure" in ins.key_hint.value
    monkeypatch.setitem(sys.modules, "ipyevents", None)  # not installed
    ins = Inspector(sim.recording, sim.scores, pred)
    assert ins.key_events is None and ins.keys.layout.display is None
    assert "click in the keys box first" in ins.key_hint.value


def test_plot_epoch_without_a_model_or_labels(sim, pred):
    e = 100
    fig = plot_epoch(sim.recording, sim.scores, None, e, context_epochs=1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(fig.axes) == 3 and texts.count("manual") == 1 and "model" not in texts and len(texts) == 3 + 1
    blind = plot_epoch(sim.recording, sim.scores, None, e, context_epochs=1, show_labels=False)
    assert len(blind.axes) == 3 and len(blind.axes[0].texts) == 0
    with_model = plot_epoch(sim.recording, sim.scores, pred, e, context_epochs=1, show_labels=False)
    assert len(with_model.axes) == 4 and len(with_model.axes[0].texts) == 0



def test_review_in_10_s_epochs_shows_the_labs_epochs(sim):
    "A lab scoring in 10-s epochs reviews 10-s epochs: the inspector lists them, and the figure spans two either side."
    from slumbernet.grid import regrid
    manual = regrid(sim.scores, 10.0)
    pred10 = predict(sim.recording, epoch_s=10)
    ins = Inspector(sim.recording, manual, pred10)
    assert len(ins.rows) == int(((manual.stages != pred10.stages) & manual.scored).sum()) > 0
    assert (ins.rows.onset_s % 10 == 0).all()
    fig = plot_epoch(sim.recording, manual, pred10, int(ins.rows.epoch.iloc[0]))
    lo, hi = fig.axes[0].get_xlim()
    assert lo == -20 and hi == pytest.approx(30, abs=0.01)
