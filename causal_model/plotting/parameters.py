"""Parameter figures: driver effects and loadings, prior against posterior (forest plot)."""

from __future__ import annotations

import arviz as az
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

__all__ = ["DEFAULT_PARAMETERS", "plot_parameters"]

#: The parameters users ask about first: causal effects, persistence, elite effect, loadings.
DEFAULT_PARAMETERS = (
    "beta",
    "rho",
    "rho_u",
    "elite_mu",
    "half_life",
    "loading",
    "tension_loading",
)


def plot_parameters(
    idata: az.InferenceData,
    *,
    prior: az.InferenceData | None = None,
    var_names: tuple[str, ...] | list[str] = DEFAULT_PARAMETERS,
    ax: Axes | None = None,
    hdi_prob: float = 0.9,
) -> Axes:
    """Forest plot of posterior (and prior) intervals of the key parameters.

    Parameters
    ----------
    idata
        A fit.
    prior
        Prior draws with a ``prior`` group (``model.sample_prior_predictive()``), drawn next
        to the posterior so the reader sees what the data changed.
    var_names
        Parameters to show (those missing from the fit are skipped).
    ax
        Axes to draw on.
    hdi_prob
        Width of the intervals.

    Returns
    -------
    matplotlib.axes.Axes
    """
    names = [v for v in var_names if v in idata.posterior]
    if not names:
        raise ValueError(f"none of {list(var_names)} is in the fit's posterior")
    data = [idata]
    labels = ["posterior"]
    if prior is not None:
        names = [v for v in names if v in prior.prior]
        data.append(az.InferenceData(posterior=prior.prior[names]))
        labels.append("prior")
    n_rows = sum(int(idata.posterior[v].isel(chain=0, draw=0).size) for v in names)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.28 * n_rows + 1.5), layout="constrained")
    az.plot_forest(
        data,
        model_names=labels,
        var_names=names,
        combined=True,
        hdi_prob=hdi_prob,
        ax=ax,
        colors=["#c0392b", "0.55"][: len(data)],
    )
    ax.axvline(0, color="0.5", lw=0.6)
    ax.set_xlabel(f"parameter value ({int(hdi_prob * 100)}% HDI; drivers and tension in sd units)")
    ax.set_title("Driver effects, persistence, elite effect and loadings", loc="left")
    return ax
