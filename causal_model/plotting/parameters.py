"""Parameter figures: prior against posterior intervals of the key parameters, one panel per
unit (effects in tension units, persistence, the half-life in years, loadings)."""

from __future__ import annotations

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["DEFAULT_PARAMETERS", "PARAMETER_GROUPS", "plot_parameters"]

#: The parameters users ask about first: causal effects, persistence, elite effect, loadings.
DEFAULT_PARAMETERS = (
    "beta",
    "rho",
    "rho_u",
    "elite_mu",
    "half_life",
    "loading",
    "tension_loading",
    "coop_loading",
)
#: Panels of the figure: (title, unit of the x axis, parameters), so that no axis mixes units.
PARAMETER_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Effects on tension",
        "tension units (per driver sd; per change of leader)",
        ("beta", "beta_mu", "elite_mu", "coupling"),
    ),
    ("Persistence", "yearly autocorrelation (0 to 1)", ("rho", "rho_u", "level_rho")),
    ("Elite effect: half-life", "years", ("half_life",)),
    ("Drift of the tension level", "tension units per year", ("level_drift",)),
    ("Loadings", "indicator sd per latent sd", ("loading", "tension_loading")),
    (
        "Cooperation areas: loading on tension",
        "link scale per tension unit (< 0: follows tension; 0: insulated)",
        ("coop_loading",),
    ),
)
POSTERIOR_COLOR = "#c0392b"
PRIOR_COLOR = "0.55"


def _elements(da: xr.DataArray) -> list[tuple[str, np.ndarray]]:
    """(label, flat draws) of every element of a parameter (dims besides chain and draw)."""
    dims = [d for d in da.dims if d not in ("chain", "draw")]
    flat = da.transpose("chain", "draw", *dims).values.reshape(-1, *da.shape[2:])
    if not dims:
        return [(da.name, flat.ravel())]
    out = []
    for idx in np.ndindex(*flat.shape[1:]):
        coords = ", ".join(str(da[d].values[i]) for d, i in zip(dims, idx, strict=True))
        out.append((f"{da.name}[{coords}]", flat[(slice(None), *idx)]))
    return out


def _groups(names: list[str]) -> list[tuple[str, str, list[str]]]:
    out = []
    for title, unit, members in PARAMETER_GROUPS:
        chosen = [n for n in names if n in members]
        if chosen:
            out.append((title, unit, chosen))
    rest = [n for n in names if not any(n in g[2] for g in PARAMETER_GROUPS)]
    out += [(n, "parameter value", [n]) for n in rest]
    return out


def _interval(ax: Axes, y: float, draws: np.ndarray, color: str, width: float) -> None:
    lo, hi = np.quantile(draws, [(1 - width) / 2, (1 + width) / 2])
    q25, q50, q75 = np.quantile(draws, [0.25, 0.5, 0.75])
    ax.plot([lo, hi], [y, y], color=color, lw=1.0, solid_capstyle="butt")
    ax.plot([q25, q75], [y, y], color=color, lw=3.0, solid_capstyle="butt")
    ax.plot([q50], [y], "o", color=color, ms=4, mfc="white", mew=1.3)


def _draw_group(ax, idata, prior, names, title, unit, width) -> None:
    labels = []
    y = 0.0
    for name in names:
        post = dict(_elements(idata.posterior[name]))
        pri = dict(_elements(prior.prior[name])) if prior is not None else {}
        for label, draws in post.items():
            _interval(ax, y + (0.17 if pri else 0), draws, POSTERIOR_COLOR, width)
            if label in pri:
                _interval(ax, y - 0.17, pri[label], PRIOR_COLOR, width)
            labels.append(label)
            y -= 1.0
    ax.set_yticks(-np.arange(len(labels)), labels, fontsize=8)
    ax.set_ylim(-len(labels) + 0.5, 0.5)
    ax.grid(axis="x", color="0.9", lw=0.6)
    if unit.startswith("tension"):
        ax.axvline(0, color="0.5", lw=0.6)
    ax.set_xlabel(unit, fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(title, loc="left", fontsize=9.5, fontweight="bold")


def plot_parameters(
    idata: az.InferenceData,
    *,
    prior: az.InferenceData | None = None,
    var_names: tuple[str, ...] | list[str] = DEFAULT_PARAMETERS,
    ax: Axes | None = None,
    fig: Figure | None = None,
    hdi_prob: float = 0.9,
) -> Figure:
    """Posterior (and prior) median, 50% and central ``hdi_prob`` intervals of parameters,
    one panel per unit (:data:`PARAMETER_GROUPS`).

    Parameters
    ----------
    idata
        A fit.
    prior
        Prior draws with a ``prior`` group (``model.sample_prior_predictive()``), drawn under
        the posterior so the reader sees what the data changed.
    var_names
        Parameters to show (those missing from the fit are skipped).
    ax
        Draw into this one axes instead; only allowed when every parameter shown has the
        same unit (one group of :data:`PARAMETER_GROUPS`).
    fig
        Figure to draw into (a new one by default).
    hdi_prob
        Width of the thin (central, equal-tailed) intervals.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per unit group; a legend of the marks.
    """
    names = [v for v in var_names if v in idata.posterior]
    if prior is not None:
        names = [v for v in names if v in prior.prior]
    if not names:
        raise ValueError(f"none of {list(var_names)} is in the fit's posterior")
    groups = _groups(names)
    if ax is not None:
        if len(groups) > 1:
            raise ValueError(
                f"{names} have different units ({', '.join(g[1] for g in groups)}); draw "
                "them into a figure (fig=...) or pass the parameters of one unit group"
            )
        title, unit, members = groups[0]
        _draw_group(ax, idata, prior, members, title, unit, hdi_prob)
        return ax.figure
    sizes = [sum(len(_elements(idata.posterior[n])) for n in g[2]) for g in groups]
    if fig is None:
        height = 0.3 * sum(sizes) + 1.0 * len(groups) + 1.2
        fig = plt.figure(figsize=(7.5, height), layout="constrained")
    axes = fig.subplots(len(groups), 1, height_ratios=[s + 1.2 for s in sizes], squeeze=False)
    for a, (title, unit, members) in zip(axes[:, 0], groups, strict=True):
        _draw_group(a, idata, prior, members, title, unit, hdi_prob)
    width = int(round(hdi_prob * 100))
    handles = [
        Line2D([], [], color=POSTERIOR_COLOR, lw=3, marker="o", mfc="white", label="posterior")
    ]
    if prior is not None:
        handles.append(
            Line2D([], [], color=PRIOR_COLOR, lw=3, marker="o", mfc="white", label="prior")
        )
    handles.append(
        Line2D([], [], ls="none", label=f"point: median; thick: 50%; thin: {width}% interval")
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    fig.suptitle("Parameters: prior and posterior", fontweight="bold")
    return fig
