"""The scoring quiz (slumbernet.quiz): balanced, reproducible picks, answers and the score, what its figure shows, and the
workshop that runs it; with the inspector, that both show their figures 1:1 with readable text. tests/test_browser.py
takes a quiz in Chromium."""
import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest

from slumbernet.io import Hypnogram
from slumbernet.quiz import ScoringQuiz
from slumbernet.review import FONT_PT, amplitude_scales_uv


# --- the scoring exercise -------------------------------------------------------------------------

def kappa_by_hand(a, b):
    "Cohen's kappa of two label lists, from its definition (not from slumbernet.evaluate)."
    a, b = np.asarray(a), np.asarray(b)
    po = np.mean(a == b)
    pe = sum(np.mean(a == s) * np.mean(b == s) for s in set(a) | set(b))
    return (po - pe) / (1 - pe)


@pytest.fixture
def quiz(sim):
    return ScoringQuiz(sim.recording, sim.scores, n_epochs=12, seed=0)


def test_quiz_answering_the_experts_labels_scores_1(quiz, sim):
    for k, e in enumerate(quiz.epochs):
        assert quiz.epoch == e and quiz.prompt.value.startswith(f"epoch {k + 1} of 12")
        row = quiz.answer(sim.scores.labels[e])
        assert row == {"epoch": e, "expert": sim.scores.labels[e], "yours": sim.scores.labels[e], "correct": True}
        assert quiz.feedback.value.startswith("✓")
    m = quiz.agreement()
    assert m["accuracy"] == 1 and m["kappa"] == 1 and m["n"] == 12
    assert list(quiz.answers.columns) == ["epoch", "expert", "yours", "correct"]
    assert quiz.answers.correct.all() and quiz.answers.epoch.tolist() == quiz.epochs.tolist()
    assert quiz.done and quiz.epoch is None and quiz.score.value.startswith("done: 12 / 12 correct")


def test_quiz_counts_wrong_answers_with_a_hint(quiz, sim):
    wrong = {}
    for k, e in enumerate(quiz.epochs):
        expert = sim.scores.labels[e]
        yours = expert if k % 4 else {"W": "R", "N": "R", "R": "N"}[expert]  # questions 1, 5 and 9 wrong
        if yours != expert: wrong[e] = yours
        quiz.buttons[yours].click()
        if k == 0:
            assert quiz.score.value == "score: 0 / 1 correct"
            names = {"W": "Wake", "N": "NREM", "R": "REM"}
            assert quiz.feedback.value.startswith(f"✗ epoch {e:,}: you: {names[yours]}, expert: {names[expert]}.")
            assert ("theta (6-9 Hz) against delta" if {yours, expert} == {"N", "R"} else "EMG") in quiz.feedback.value
    a = quiz.answers
    assert len(wrong) == 3 and (~a.correct).sum() == 3
    assert dict(zip(a.epoch[~a.correct], a.yours[~a.correct])) == wrong
    m = quiz.agreement()
    assert m["accuracy"] == pytest.approx(9 / 12)
    assert m["kappa"] == pytest.approx(kappa_by_hand(a.expert, a.yours))
    assert "12 answered, 9 correct" in repr(quiz)


def test_quiz_agreement_covers_the_answered_epochs_only(quiz, sim):
    with pytest.raises(ValueError, match="no epoch answered yet"):
        quiz.agreement()
    quiz.answer(sim.scores.labels[quiz.epoch])
    quiz.answer("wake" if sim.scores.labels[quiz.epoch] != "W" else "rem")  # stage names work too
    assert quiz.agreement()["n"] == 2 and quiz.agreement()["accuracy"] == 0.5
    assert quiz.position == 2 and quiz.epoch == quiz.epochs[2]


def test_quiz_picks_are_balanced_scored_and_reproducible(sim):
    expert = Hypnogram(sim.scores.stages.copy(), 4.0, None, sim.scores.start)
    expert.stages[:10] = -1  # unscored
    expert.artefact[10:20] = True
    q = ScoringQuiz(sim.recording, expert, n_epochs=12, seed=1)
    assert len(set(q.epochs)) == 12 and (q.epochs >= 20).all()
    assert np.bincount(expert.stages[q.epochs], minlength=3).tolist() == [4, 4, 4]
    assert q.epochs.tolist() == ScoringQuiz(sim.recording, expert, n_epochs=12, seed=1).epochs.tolist()
    other = ScoringQuiz(sim.recording, expert, n_epochs=12, seed=2).epochs
    assert other.tolist() != q.epochs.tolist()
    # a stage too rare for its share: all of it, the other stages make up the number
    n_rem = int((expert.scored & (expert.stages == 2)).sum())
    q = ScoringQuiz(sim.recording, expert, n_epochs=3 * n_rem + 4, seed=0)
    counts = np.bincount(expert.stages[q.epochs], minlength=3)
    n_nrem = int((expert.scored & (expert.stages == 1)).sum())
    assert counts.sum() == 3 * n_rem + 4 and counts[1] == min(n_nrem, counts.max())
    assert counts.max() - counts[counts < np.bincount(expert.stages[expert.scored], minlength=3)].min() <= 1
    assert "seed 0" in repr(q)


def test_quiz_without_a_stage_splits_between_the_others(sim):
    no_rem = Hypnogram(np.where(sim.scores.stages == 2, 1, sim.scores.stages), 4.0, None, sim.scores.start)
    q = ScoringQuiz(sim.recording, no_rem, n_epochs=10, seed=0)
    assert np.bincount(no_rem.stages[q.epochs], minlength=3).tolist() == [5, 5, 0]


@pytest.mark.parametrize("n", [0, 226])
def test_quiz_refuses_impossible_sizes(sim, n):
    with pytest.raises(ValueError, match="between 1 and the 225 epochs"):
        ScoringQuiz(sim.recording, sim.scores, n_epochs=n)


def test_answering_past_the_end_raises_and_clicks_are_ignored(sim):
    q = ScoringQuiz(sim.recording, sim.scores, n_epochs=3, seed=0)
    for _ in range(3): q.answer("N")
    assert all(b.disabled for b in q.buttons.values())
    assert q.figure is None and q.image.layout.display == "none"  # no empty (broken) image: a message instead
    assert q.message.layout.display != "none" and "Quiz over" in q.message.value
    with pytest.raises(ValueError, match="the quiz is over: all 3 epochs are answered"):
        q.answer("N")
    q.buttons["W"].click()  # a disabled button can still be clicked from code: nothing happens
    assert q.position == 3 and len(q.answers) == 3


def test_quiz_shows_no_label_and_one_scale(quiz):
    import matplotlib.pyplot as plt
    open_before = plt.get_fignums()
    assert quiz.image.value[:8] == b"\x89PNG\r\n\x1a\n" and quiz.widget.children[1] is quiz.image
    ylims = []
    for _ in range(3):
        fig = quiz.figure
        assert len(fig.axes) == 3  # EEG, EMG, spectrum: no model probabilities
        assert len(fig.axes[0].texts) == len(fig.axes[1].texts) == 0
        assert "Which stage" in fig._suptitle.get_text()
        ylims.append([fig.axes[i].get_ylim() for i in (0, 1)])
        quiz.answer("W")
    assert ylims[0] == ylims[1] == ylims[2]  # the same amplitude scale for every question
    assert ylims[0][1] == pytest.approx((-quiz.scale_uv["EMG"], quiz.scale_uv["EMG"]))
    assert plt.get_fignums() == open_before


def test_quiz_scale_sliders_and_finished_quiz_message(sim):
    q = ScoringQuiz(sim.recording, sim.scores, n_epochs=2, seed=0)
    assert q.scale_uv == amplitude_scales_uv(sim.recording)
    q.scale_sliders["EEG"].value = 100.0
    assert q.figure.axes[0].get_ylim() == (-100.0, 100.0) and q.position == 0  # redrawn, not answered
    q.answer("W")
    assert q.figure.axes[0].get_ylim() == (-100.0, 100.0)
    q.answer("N")
    assert q.image.layout.display == "none" and q.message.layout.display is None
    assert q.message.value.startswith("<b>Quiz over: ")
    assert all(s.disabled for s in q.scale_sliders.values())
    q.scale_sliders["EEG"].value = 200.0  # after the end: nothing to draw, no error
    assert q.figure is None


# --- what a browser shows (issue 17, item 9) ----------------------------------------------------

def png_size(png):
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_figures_are_shown_one_to_one_with_readable_text(ins, quiz):
    for widget in (ins, quiz):
        w_px, h_px = png_size(widget.image.value)
        assert widget.image.layout.width == f"{w_px}px" and widget.image.layout.height is None  # not stretched
        assert w_px == 880  # fits the output area of JupyterLab in a 1100-px window (905 px)
        fig = widget.figure
        fig.draw_without_rendering()
        texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
                 if t.get_visible() and t.get_text().strip()]
        assert len(texts) > 20
        for t in texts: assert t.get_fontsize() >= FONT_PT >= 10, t.get_text()
        drawn, page = fig.get_tightbbox(), fig.bbox_inches  # everything drawn, in inches: nothing cut off
        assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= page.x1 + 0.01 and drawn.y1 <= page.y1 + 0.01
        ax_psd = fig.axes[2]
        legend = ax_psd.get_legend()
        assert legend.get_window_extent().y0 >= ax_psd.get_window_extent().y1 - 1  # above the curves, not on them


# --- the workshop notebook -------------------------------------------------------------------------

WORKSHOP = Path(__file__).resolve().parents[1] / "nbs" / "workshop.ipynb"


def test_workshop_notebook_has_a_python3_kernelspec():
    import nbformat
    spec = nbformat.read(WORKSHOP, 4).metadata.get("kernelspec", {})
    assert spec.get("name") == "python3" and spec.get("language") == "python" and spec.get("display_name")


@pytest.mark.slow  # the workshop trains a tiny model
def test_workshop_run_top_to_bottom_leaves_the_quiz_to_the_participant(monkeypatch):
    "Run All must not play the displayed quiz; running the demo cell again, mid-quiz, must not raise."
    import matplotlib.pyplot as plt
    import nbformat
    cells = [c.source for c in nbformat.read(WORKSHOP, 4).cells]
    end = next(i for i, c in enumerate(cells) if c.startswith("## 3."))  # before the tiny model's training
    code = [c for c in nbformat.read(WORKSHOP, 4).cells[:end] if c.cell_type == "code"]
    quiz_cell = next(i for i, c in enumerate(code) if "quiz = ScoringQuiz(" in c.source)
    later = code[quiz_cell + 1:]
    assert later, "the workshop should show what a participant's clicks do"
    monkeypatch.chdir(WORKSHOP.parent)
    ns = {}
    try:
        for c in code: exec(compile(c.source, "workshop", "exec"), ns)
        quiz = ns["quiz"]
        assert quiz.position == 0 and not quiz.done and not any(b.disabled for b in quiz.buttons.values())
        for e in quiz.epochs[:3]: quiz.answer(ns["manual"].labels[e])  # the participant's first three clicks
        for c in later: exec(compile(c.source, "workshop", "exec"), ns)  # the cells run again: no error
        assert ns["quiz"] is quiz and quiz.position == 3
    finally:
        plt.close("all")
