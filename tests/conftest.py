"""Shared test set-up: a headless matplotlib backend and the real US–Russia panel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: tests never open windows

import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from causal_model.data import DataNotFoundError, load_us_russia  # noqa: E402


@pytest.fixture(scope="session")
def real_panel() -> xr.Dataset:
    """The real US–Russia panel (cached build); skipped when the raw data are not there."""
    try:
        return load_us_russia()
    except DataNotFoundError as exc:
        pytest.skip(f"raw US-Russia data not available ({exc})")


@pytest.fixture(scope="session")
def panel(real_panel: xr.Dataset) -> xr.Dataset:
    """Short name for :func:`real_panel` used by the data and model tests."""
    return real_panel


@pytest.fixture(scope="session")
def tiny_fit(real_panel: xr.Dataset):
    """The reference model fitted to the real panel with few draws (plumbing tests only).

    The compiled sampler is cached in-process, so the slow real-panel fit reuses it.
    """
    from causal_model import TensionModel

    model = TensionModel(real_panel)
    idata = model.fit(draws=100, tune=200, chains=2, random_seed=11, diagnostics=False)
    return model, idata
