"""The elite-response shapes: formulas, gradients, half-lives, registry and priors."""

from __future__ import annotations

import math

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest

from causal_model.backend import NUMPY, PYTENSOR
from causal_model.specification.elite import (
    ELITE_RESPONSES,
    NO_ELITE,
    TIME_SINCE,
    get_elite_response,
)
from causal_model.specification.priors import PARAMETERS, load_priors
from causal_model.specification.variants import Variant

S = np.array([-50.0, -1.0, -1e-12, 0.0, 0.5, 3.0, 40.0])


def _params(shape, rng, n=None):
    """Draws of the shape's parameters from its default priors (n draws, or scalars)."""
    out = {}
    for name, prior in shape.default_priors.items():
        dist = prior.pymc_distribution.dist(**prior.parameters)
        draws = pm.draw(dist, draws=n or 1, random_seed=rng)
        out[name] = np.asarray(draws, dtype=float) if n else float(np.ravel(draws)[0])
    return out


def test_exponential_values():
    shape = get_elite_response("exponential")
    want = np.where(S >= 0, np.exp(-np.maximum(S, 0) * math.log(2) / 2.0), 0.0)
    np.testing.assert_allclose(shape.function(S, {"half_life": 2.0}), want, rtol=1e-14)
    assert shape.function(np.array(2.0), {"half_life": 2.0}) == pytest.approx(0.5)


def test_permanent_values():
    shape = get_elite_response("permanent")
    np.testing.assert_array_equal(shape.function(S, {}), (S >= 0).astype(float))
    assert np.all(np.isinf(shape.half_life({"_": np.zeros(3)})))


@pytest.mark.parametrize("name", list(ELITE_RESPONSES))
def test_every_shape_is_zero_before_the_event_and_one_backend(name):
    shape = get_elite_response(name)
    rng = np.random.default_rng(0)
    params = _params(shape, rng)
    g = np.asarray(shape.function(S, params, NUMPY))
    assert np.all(g[S < 0] == 0.0)
    # PyTensor and NumPy give the same numbers, and finite gradients everywhere
    s = pt.vector("s")
    sym = {k: pt.scalar(k) for k in params}
    out = shape.function(s, sym, PYTENSOR)
    f = pytensor.function([s, *sym.values()], out)
    np.testing.assert_allclose(f(S, *params.values()), g, rtol=1e-12, atol=1e-14)
    if sym:
        grads = pytensor.grad(pt.sum(out), [s, *sym.values()])
        fg = pytensor.function([s, *sym.values()], grads)
        assert all(np.all(np.isfinite(v)) for v in fg(S, *params.values()))


@pytest.mark.parametrize("name", list(ELITE_RESPONSES))
def test_batched_parameters_give_one_curve_per_draw(name):
    shape = get_elite_response(name)
    params = _params(shape, np.random.default_rng(1), n=4)
    if not params:
        params = {"_": np.zeros(4)}
    grid = np.linspace(0, 10, 11)
    curves = shape.curve(params, grid)
    assert curves.shape == (4, 11)
    for d in range(4):
        one = {k: v[d] for k, v in params.items()}
        np.testing.assert_allclose(curves[d], np.broadcast_to(shape.function(grid, one), 11))


def test_half_life_of_exponential_is_its_parameter_and_numeric_rule_agrees():
    shape = get_elite_response("exponential")
    hl = np.array([0.7, 2.0, 5.5])
    np.testing.assert_array_equal(shape.half_life({"half_life": hl}), hl)
    numeric = type(shape).__mro__[1].half_life(shape, {"half_life": hl})
    np.testing.assert_allclose(numeric, hl, atol=0.011)


def test_sample_curve_has_named_dims():
    import xarray as xr

    post = xr.Dataset(
        {"half_life": (("chain", "draw"), np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]))},
        coords={"chain": [0, 1], "draw": [0, 1, 2]},
    )
    curve = get_elite_response("exponential").sample_curve(post, np.array([0.0, 1.0, 2.0]))
    assert curve.dims == ("chain", "draw", TIME_SINCE)
    assert float(curve.sel(chain=0, draw=1, **{TIME_SINCE: 2.0})) == pytest.approx(0.5)


def test_registry_variants_and_priors():
    assert get_elite_response(NO_ELITE) is None
    with pytest.raises(ValueError, match="unknown elite response"):
        get_elite_response("sigmoid")
    assert Variant(elite="transient").elite == "exponential"  # the old name of the reference
    with pytest.raises(ValueError, match="elite="):
        Variant(elite="sigmoid")
    priors = load_priors("neoclassical_realism")
    for shape in ELITE_RESPONSES.values():
        for name in shape.parameters:
            assert name in PARAMETERS
            assert name in priors  # from the file, or the shape's default prior


def test_linear_fade_values_and_half_life():
    shape = get_elite_response("linear")
    want = np.where(S >= 0, np.maximum(1 - np.maximum(S, 0) / 4.0, 0.0), 0.0)
    np.testing.assert_allclose(shape.function(S, {"fade_years": 4.0}), want, rtol=1e-14)
    fade = np.array([1.0, 4.0, 9.0])
    np.testing.assert_array_equal(shape.half_life({"fade_years": fade}), fade / 2)
    numeric = type(shape).__mro__[1].half_life(shape, {"fade_years": fade})
    np.testing.assert_allclose(numeric, fade / 2, atol=0.011)


def test_a_new_shape_reaches_the_model_and_the_simulation(panel):
    """A variant with the linear shape builds and simulates with no other change (the
    shape's class and its registry entry are the whole change). Its graph is checked against
    NumPy by ``tests/test_structure.py`` (variant ``linear_elite``; a compile of its whole
    log-density here was dropped on 2026-12-02 to keep CI under 30 minutes)."""
    from causal_model import TensionModel
    from causal_model.model.generate import simulate

    variant = Variant(name="linear_elite", elite="linear")
    small = panel.sel(year=slice(2005, 2024))
    pm_model = TensionModel(small, variant=variant).build()
    assert "fade_years" in pm_model.named_vars and "half_life" not in pm_model.named_vars
    _, truth = simulate(small, variant=variant, params={"fade_years": 3.0}, random_seed=1)
    assert truth["fade_years"] == 3.0
    elite = np.asarray(truth["elite"])
    assert np.isfinite(elite).all() and np.any(elite != 0)
