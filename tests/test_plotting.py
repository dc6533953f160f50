"""The figures (`slumbernet.plotting`): what a reader of the figure relies on (issue 17, item 7)."""
import re
from dataclasses import replace
from datetime import datetime

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from slumbernet.core import Prediction  # noqa: E402
from slumbernet.evaluate import compare, light_phase  # noqa: E402
from slumbernet.io import Hypnogram  # noqa: E402
from slumbernet.plotting import light_intervals, plot_per_hour, plot_scores  # noqa: E402


@pytest.fixture(scope="module")
def hour():
    "A simulated hour from 18:30 (lights off at 19:00 inside it), its scorer, and a 'model' that is the truth."
    from slumbernet.simulate import simulate_recording
    sim = simulate_recording(1.0, seed=4, start=datetime(2026, 1, 5, 18, 30))
    t = sim.truth
    probs = np.full((len(t), 3), 0.05); probs[np.arange(len(t)), t.stages] = 0.9
    return sim.recording, sim.scores, Prediction(t.stages, probs, t.epoch_s, t.start, recording_id=sim.recording.recording_id)


def _labels(fig): return [a.get_label() for a in fig.axes]
def _bottom(fig): return [a for a in fig.axes if a.get_label() != "colorbar"][-1]
def _ticks(ax): return [t.get_text() for t in ax.get_xticklabels()]


def _shown(axis, i):
    "The tick labels an axis draws (matplotlib keeps labels for ticks outside the view too)."
    lo, hi = sorted(axis.get_view_interval())
    eps = 1e-9 * max(abs(lo), abs(hi), 1)
    return [t for t in axis.get_ticklabels() + axis.get_ticklabels(minor=True) if lo - eps <= t.get_position()[i] <= hi + eps]


def _check_legible(fig):
    "Every visible axes has something drawn; every text is >= 9 pt and overlaps no other text."
    fig.canvas.draw()
    for a in fig.axes:
        if a.get_visible(): assert a.lines or a.collections or a.images or a.patches[1:], f"axes {a.get_label()!r} is empty"
    texts = [fig._suptitle] + [t for l in fig.legends for t in l.get_texts()]
    for a in fig.axes:
        if not a.get_visible(): continue
        texts += [*_shown(a.xaxis, 0), *_shown(a.yaxis, 1), a.xaxis.label, a.yaxis.label, a.title, a._left_title,
                  *a.texts, *(a.get_legend().get_texts() if a.get_legend() else [])]
    texts = [t for t in texts if t is not None and t.get_visible() and t.get_text().strip()]
    r = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in texts]
    for t in texts: assert t.get_fontsize() >= 9, (t.get_text(), t.get_fontsize())
    for i, (s1, b1) in enumerate(boxes):
        for s2, b2 in boxes[i + 1:]:
            assert not b1.overlaps(b2), f"{s1!r} overlaps {s2!r}"


def test_plot_scores_shows_clock_time_lights_emg_and_names_the_recording(hour):
    rec, manual, pred = hour
    fig = plot_scores(rec, manual, pred)
    assert _labels(fig) == ["light_dark", "manual", "model", "spectrogram", "emg", "hypnodensity", "colorbar"]
    title = fig.get_suptitle()
    assert rec.recording_id in title and f"kappa {compare(manual, pred).metrics['kappa']:.3f}" in title
    _check_legible(fig)
    ticks = _ticks(_bottom(fig))
    assert ticks and all(re.fullmatch(r"\d\d:\d\d", t) for t in ticks) and "19:00" in ticks
    bar = [c for c in fig.axes[0].collections if c.get_gid() == "light_dark"]
    assert len(bar) == 1
    assert [a.get_yticklabels()[2].get_text() for a in fig.axes[1:3]] == ["Wake", "Wake"]
    assert fig.get_size_inches().tolist() == [14, 7]
    plt.close(fig)


def test_light_dark_bar_switches_at_lights_off_and_follows_light_phase():
    assert light_intervals(datetime(2026, 1, 5, 18, 30), 1.0) == [(0.0, 0.5, "light"), (0.5, 1.0, "dark")]
    for start, on, off in ((datetime(2026, 1, 5, 3, 10), 7, 19), (datetime(2026, 1, 5, 22), 7, 19),
                           (datetime(2026, 1, 5, 12), 19.5, 7.5)):
        h = Hypnogram(np.zeros(36 * 4, int), 900.0, start=start)  # 36 h in 15-min epochs
        spans = light_intervals(start, 36.0, on, off)
        assert spans[0][0] == 0 and spans[-1][1] == 36 and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
        mid_h = (np.arange(len(h)) + 0.5) * 0.25
        drawn = [next(p for a, b, p in spans if a <= m < b) for m in mid_h]
        assert drawn == light_phase(h, on, off).tolist()


def test_plot_scores_without_clock_time_has_no_light_bar_and_counts_hours(hour):
    rec, manual, pred = hour
    fig = plot_scores(replace(rec, start=None), replace(manual, start=None), replace(pred, start=None))
    assert "light_dark" not in _labels(fig)
    assert not [c for a in fig.axes for c in a.collections if c.get_gid() == "light_dark"]
    assert _bottom(fig).get_xlabel() == "hours from start"
    fig.canvas.draw()
    assert all(re.fullmatch(r"[\d.]+", t) for t in _ticks(_bottom(fig)))
    plt.close(fig)
    fig = plot_scores(rec, manual, pred, clock=False)  # clock time known but not wanted: no bar either
    assert "light_dark" not in _labels(fig) and _bottom(fig).get_xlabel() == "hours from start"
    plt.close(fig)


def test_plot_scores_has_an_emg_track_iff_the_recording_has_emg(hour):
    rec, manual, pred = hour
    assert rec.has_emg
    fig = plot_scores(rec.without_emg(), manual, pred)
    assert "emg" not in _labels(fig)
    _check_legible(fig)
    plt.close(fig)


def test_plot_scores_of_the_model_alone_or_of_two_hypnograms(hour):
    rec, manual, pred = hour
    fig = plot_scores(rec, None, pred)  # an unscored recording
    assert _labels(fig) == ["light_dark", "model", "spectrogram", "emg", "hypnodensity", "colorbar"]
    assert rec.recording_id in fig.get_suptitle() and "kappa" not in fig.get_suptitle()
    _check_legible(fig)
    plt.close(fig)
    fig = plot_scores(rec, manual, pred.hypnogram, names=("scorer A", "scorer B"))  # no probabilities: no hypnodensity
    assert _labels(fig) == ["light_dark", "scorer A", "scorer B", "spectrogram", "emg", "colorbar"]
    assert "scorer B vs scorer A: kappa" in fig.get_suptitle()
    plt.close(fig)
    with pytest.raises(ValueError, match="nothing to plot"):
        plot_scores(rec, None, None)


def test_plot_scores_of_a_day_draws_block_averages_quickly():
    "24 h of 4-s epochs (21,600): at most `max_columns` spectrogram columns, the hypnogram epoch by epoch, in a few s."
    import time
    from slumbernet.io import Recording
    rng = np.random.default_rng(0)
    fs = 64.0
    rec = Recording(rng.standard_normal(int(24 * 3600 * fs)).astype(np.float32) * 50, fs,
                    rng.standard_normal(int(24 * 3600 * fs)).astype(np.float32) * 20, datetime(2026, 1, 5, 7),
                    recording_id="day")
    hyp = Hypnogram(np.repeat(rng.integers(0, 3, 21600 // 30), 30), 4.0, start=rec.start)
    t = time.perf_counter()
    fig = plot_scores(rec, hyp, None)
    fig.canvas.draw()
    assert time.perf_counter() - t < 6  # about 1 s at 256 Hz on 2 cores once scipy is loaded; generous for a busy machine
    spec = fig.axes[_labels(fig).index("spectrogram")]
    assert spec.collections[0].get_array().shape[1] <= 900
    assert _ticks(_bottom(fig)) == ["07:00", "10:00", "13:00", "16:00", "19:00", "22:00", "01:00", "04:00", "07:00"]
    plt.close(fig)


def test_plot_per_hour_panels_share_one_y_scale_and_none_is_empty(hour):
    _, manual, pred = hour
    fig = plot_per_hour({"manual": manual, "model": pred}, hours=0.25)
    assert len(fig.axes) == 3 and len({a.get_ylim() for a in fig.axes}) == 1
    assert fig.axes[0].get_ylim()[0] == 0 and fig.axes[0].get_ylim()[1] >= 15  # 0 to a whole 15-min bin
    _check_legible(fig)
    assert all(re.fullmatch(r"\d\d:\d\d", t) for t in _ticks(fig.axes[0]))
    assert all(a.patches for a in fig.axes)  # the dark phase (from 19:00) shaded
    plt.close(fig)
    fig = plot_per_hour({"manual": replace(manual, start=None)}, hours=0.25, sharey=False)
    assert fig.axes[1].get_xlabel() == "hours from start" and not any(a.patches for a in fig.axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="no hypnograms"):
        plot_per_hour({})
