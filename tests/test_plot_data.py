"""Tests of :func:`causal_model.plotting.plot_indicators` on the real panel."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from causal_model.data import load_events
from causal_model.dims import COOPERATION, DRIVERS, INDICATOR, TENSION, YEAR
from causal_model.plotting import plot_indicators
from causal_model.plotting.data import GID_EVENT, GID_MISSING, GID_SERIES


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


def _series_line(ax):
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == GID_SERIES]
    return line


def _by_key(fig):
    return {ax.get_title(loc="left"): ax for ax in fig.axes}


def test_one_axes_per_indicator_in_sections(real_panel, close_figures):
    fig = plot_indicators(real_panel)
    assert isinstance(fig, Figure)
    keys = [str(k) for k in real_panel[INDICATOR].values]
    assert len(fig.axes) == len(keys)
    assert sorted(_by_key(fig)) == sorted(keys)
    # one subfigure per latent, tension first, headed by the latent's name
    latents = [str(v) for v in real_panel["latent"].values]
    expected = [la for la in (TENSION, COOPERATION, *DRIVERS) if la in latents]
    assert len(fig.subfigs) == len(expected)
    for sf, latent in zip(fig.subfigs, expected, strict=True):
        assert sf.get_suptitle().lower().startswith(latent)
        assert {ax.get_title(loc="left") for ax in sf.axes} == {
            k for k, la in zip(keys, latents, strict=True) if la == latent
        }
    assert fig.get_suptitle()
    first = fig.axes[0]
    assert first.get_ylabel() == "standardised value (sd)"
    assert first.get_xlim() == (real_panel[YEAR].values[0] - 0.5, real_panel[YEAR].values[-1] + 0.5)


def test_standardised_series(real_panel, close_figures):
    axes = _by_key(plot_indicators(real_panel))
    for key, ax in axes.items():
        y = np.asarray(_series_line(ax).get_ydata(), dtype=float)
        assert np.nanmean(y) == pytest.approx(0, abs=1e-9), key
        assert np.nanstd(y, ddof=1) == pytest.approx(1, rel=1e-9), key
        zero = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [0, 0]]
        assert len(zero) == 1, key
    # binomial: standardised share successes / trials, not the raw count
    key = "unga_agreement"
    share = (real_panel["raw"] / real_panel["trials"]).sel({INDICATOR: key}).values
    z = (share - np.nanmean(share)) / np.nanstd(share, ddof=1)
    np.testing.assert_allclose(_series_line(axes[key]).get_ydata(), z)


def test_unstandardised_shows_model_scale(real_panel, close_figures):
    axes = _by_key(plot_indicators(real_panel, standardize=False))
    np.testing.assert_allclose(
        _series_line(axes["gpr_russia"]).get_ydata(),
        real_panel["value"].sel({INDICATOR: "gpr_russia"}).values,
    )
    share = _series_line(axes["unga_agreement"]).get_ydata()
    assert np.nanmin(share) > 0 and np.nanmax(share) < 1
    assert axes["gpr_russia"].get_ylabel() == "value (model scale)"


def test_missing_year_is_a_gap(real_panel, close_figures):
    key = "pew_americans_fav_russia"  # observed 2007 and 2009, missing 2008
    raw = real_panel["raw"].sel({INDICATOR: key}).to_series()
    assert np.isfinite(raw[2007]) and np.isnan(raw[2008]) and np.isfinite(raw[2009])
    ax = _by_key(plot_indicators(real_panel))[key]
    line = _series_line(ax)
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata(), dtype=float)
    # the line is drawn over every year, NaN where missing: matplotlib breaks it there
    assert list(x) == list(real_panel[YEAR].values)
    assert np.isnan(y[x == 2008]).all() and np.isfinite(y[x == 2007]).all()
    assert np.array_equal(np.isnan(y), np.isnan(raw.to_numpy()))
    # and the missing years are shaded: one band per run of missing years
    bands = [p for p in ax.patches if p.get_gid() == GID_MISSING]
    covered = {
        int(round(yr))
        for b in bands
        for yr in np.arange(b.get_x() + 0.5, b.get_x() + b.get_width(), 1.0)
    }
    assert covered == set(raw.index[raw.isna()])
    assert 2008 in covered
    dense = _by_key(plot_indicators(real_panel))["gpr_russia"]  # observed every year
    assert not [p for p in dense.patches if p.get_gid() == GID_MISSING]


def test_events_lines_and_labels(real_panel, close_figures):
    events = load_events()
    fig = plot_indicators(real_panel, events=events)
    past = events.where(~events["scheduled"], drop=True)
    n_past = int(past.sizes["event"])
    for ax in fig.axes:
        assert len([ln for ln in ax.get_lines() if ln.get_gid() == GID_EVENT]) == n_past
    leaders = sorted(str(v) for v in past["leader_in"].values)
    top_row = fig.subfigs[0].axes[:4]
    for ax in fig.axes:
        labels = sorted(t.get_text() for t in ax.texts if t.get_text() in leaders)
        assert labels == (leaders if ax in top_row else [])


def test_accepts_fig_and_options(real_panel, close_figures):
    fig = plt.figure()
    out = plot_indicators(real_panel, fig=fig, ncols=3, figsize=(9, 20), title="My panel")
    assert out is fig
    assert fig.get_suptitle() == "My panel"
    assert tuple(fig.get_size_inches()) == (9, 20)
    assert len(fig.axes) == real_panel.sizes[INDICATOR]
    assert max(ax.get_subplotspec().colspan.stop for ax in fig.axes) == 3
    with pytest.raises(ValueError, match="empty"):
        plot_indicators(real_panel, fig=fig)
    with pytest.raises(TypeError, match="Figure"):
        plot_indicators(real_panel, fig=plt.figure().subfigures(1, 2)[0])
    sized = plt.figure(figsize=(13, 17))
    plot_indicators(real_panel, fig=sized)
    assert tuple(sized.get_size_inches()) == (13, 17)  # kept without figsize=
    with pytest.raises(ValueError, match="ncols"):
        plot_indicators(real_panel, ncols=0)


def test_saves_png(real_panel, tmp_path, close_figures):
    fig = plot_indicators(real_panel, events=load_events())
    path = tmp_path / "indicators.png"
    fig.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 20_000
