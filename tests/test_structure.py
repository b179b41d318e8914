"""The model's one structure: the same formulas in the graph and on draws."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from causal_model import TensionModel
from causal_model.backend import NUMPY, PYTENSOR
from causal_model.model.generate import prior_draws
from causal_model.model.structure import (
    STRUCTURAL_PARAMETERS,
    VARIANCE_FLOOR,
    posterior_parameters,
    state_space,
    stationary_coupling,
    tension_trend,
    variance_floor,
)
from causal_model.specification.variants import STATIONARY_DYNAMICS, Variant

#: Added to the own deviations' innovation and start variance (structure.VARIANCE_FLOOR); the
#: drivers and the tension residual have none.
F = VARIANCE_FLOOR
PIECES = (
    "c",
    "c0",
    "z",
    "scale",
    "nu",
    "alpha",
    "a",
    "q_diag",
    "q_time",
    "p0",
    "lam",
    "elite",
    "trend",
)


#: Graphs evaluated in Python mode (conftest.PYTHON_MODE); a backend's test names its mode.
pytestmark = pytest.mark.usefixtures("python_mode")


def _on_stationary(name: str, **switches) -> Variant:
    """A variant: the release-0.1 dynamics plus ``switches`` (its meaning does not follow the
    reference's defaults)."""
    return Variant(name=name, **{**STATIONARY_DYNAMICS, **switches})


DYNAMICS = {
    "level_t_flow_own": _on_stationary(
        "level_t_flow_own",
        tension_dynamics="random_walk",
        shocks="student_t",
        stocks="flow",
        idiosyncratic=("unga_distance_fp", "pew_russians_fav_us"),
    ),
    "rw_persistent": _on_stationary(
        "rw_persistent", driver_dynamics="random_walk", tension_dynamics="persistent"
    ),
    "coupled_own": _on_stationary("coupled_own", coupled=True, idiosyncratic=("unga_distance_fp",)),
    "own_random_walks": _on_stationary(
        "own_random_walks", own_dynamics="random_walk", idiosyncratic=("unga_distance_fp",)
    ),
    "shared_shocks": _on_stationary(
        "shared_shocks",
        tension_dynamics="random_walk",
        shocks="student_t_shared",
        own_dynamics="random_walk",
        idiosyncratic=("unga_distance_fp", "pew_russians_fav_us"),
    ),
    "drift": Variant(name="drift", drift=True),  # the reference with a drifting level
    "linear_elite": Variant(name="linear_elite", elite="linear"),  # a shape's own parameter
}


@pytest.mark.parametrize(
    "variant",
    [
        "reference",
        "stationary",
        "coupled",
        "single_driver",
        "permanent_elite",
        "no_elite",
        "insulated_cooperation",
        *DYNAMICS,
    ],
)
def test_graph_and_numpy_evaluate_the_same_structure(panel, variant):
    """state_space with PyTensor (compiled, one draw at a time) equals state_space with NumPy
    (all draws at once), for prior draws of every structural parameter."""
    m = TensionModel(panel, variant=DYNAMICS.get(variant, variant))
    layout = m.layout
    model = m.build()
    names = [
        n
        for n in (*STRUCTURAL_PARAMETERS, *(layout.elite.parameters if layout.elite else ()))
        if n in model.named_vars
    ]
    draws = prior_draws(m, 4, random_seed=2)
    params = posterior_parameters(draws, layout)
    batch = state_space(params, layout, NUMPY)
    sym = {n: model[n].type() for n in names}
    ss = state_space(sym, layout, PYTENSOR)
    outputs = [pt.as_tensor_variable(getattr(ss, p)) for p in PIECES]
    f = pytensor.function(list(sym.values()), outputs, on_unused_input="ignore")
    for d in range(4):
        got = f(*(params[n][d] for n in names))
        for piece, value in zip(PIECES, got, strict=True):
            np.testing.assert_allclose(
                getattr(batch, piece)[d],
                value,
                rtol=1e-10,
                atol=1e-12,
                err_msg=f"{variant}:{piece}",
            )


def test_structure_meaning_on_one_draw(panel):
    """Spot checks of what the structure says: anchors, tension rows, stationary start (on
    the release-0.1 dynamics, whose residual is a stationary AR(1))."""
    m = TensionModel(panel, variant="stationary")
    layout, md = m.layout, m.data
    params = posterior_parameters(prior_draws(m, 1, random_seed=5), layout)
    ss = state_space(params, layout)
    k = len(md.drivers)
    a = md.anchor
    # the anchor tension indicator loads on tension with its direction: (beta, 1)
    np.testing.assert_allclose(ss.z[0, a], md.direction[a] * np.append(params["beta"][0], 1.0))
    # driver anchors have the fixed loading and noise
    for i in md.subset("driver_anchor"):
        assert ss.z[0, i, md.driver_of[i]] == pytest.approx(0.8 * md.direction[i])
        assert ss.scale[0, i] == pytest.approx(0.6)
    # drivers start stationary with unit variance, the residual with sigma_u^2
    np.testing.assert_array_equal(np.diag(ss.p0[0])[:k], 1.0)
    assert ss.p0[0, k, k] == pytest.approx(params["sigma_u"][0] ** 2, rel=1e-12)
    # c = c0 + lam * elite
    np.testing.assert_allclose(ss.c[0], ss.c0[0][None, :] + np.outer(ss.elite[0], ss.lam[0]))


def test_coupled_start_is_the_stationary_covariance(panel):
    """The coupled drivers start at their VAR(1)'s stationary covariance; the states that may
    move for good (the reference's tension level, own deviations) keep their own start."""
    m = TensionModel(panel, variant="coupled")
    params = posterior_parameters(prior_draws(m, 3, random_seed=1), m.layout)
    ss = state_space(params, m.layout)
    k = len(m.data.drivers)
    for d in range(3):
        a, p = ss.a[d][:k, :k], ss.p0[d]
        np.testing.assert_allclose(
            a @ p[:k, :k] @ a.T + np.diag(ss.q_diag[d][:k]), p[:k, :k], atol=1e-10
        )
        assert np.all(p[:k, k:] == 0)
        # START_SD ** 2 (the own deviations' with the floor)
        np.testing.assert_allclose(np.diag(p)[k:], 1.0 + variance_floor(m.layout)[k:])


def test_coupling_keeps_every_var_stationary() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        rho = rng.uniform(0.0, 0.999, size=3)
        raw = rng.normal(0.0, 5.0, size=(3, 3))
        c = stationary_coupling(rho, raw, 3)
        assert np.all(np.diag(c) == 0)
        assert np.max(np.abs(np.linalg.eigvals(np.diag(rho) + c))) < 1.0
    # the unconstrained maximum pushes a row right up to (not over) the unit circle
    c = stationary_coupling(np.array([0.9, 0.9]), np.full((2, 2), 50.0), 2)
    assert np.allclose(c, [[0.0, 0.1], [0.1, 0.0]])


def test_dynamics_mean_what_they_say(panel):
    """Random walks have persistence 1 and start N(0, 1); Student-t shocks scale the residual's
    yearly variance by 1 / w; an idiosyncratic indicator loads 1 on its own AR(1) state."""
    v = DYNAMICS["level_t_flow_own"]
    m = TensionModel(panel, variant=v)
    layout = m.layout
    params = posterior_parameters(prior_draws(m, 2, random_seed=3), layout)
    ss = state_space(params, layout)
    k, r = layout.n_drivers, layout.residual
    assert r == k and layout.n_states == k + 1 + 2
    assert np.all(ss.a[:, r, r] == 1.0) and np.all(ss.p0[:, r, r] == 1.0)
    np.testing.assert_allclose(ss.q_diag[:, r], params["level_sigma"] ** 2, rtol=1e-12)
    np.testing.assert_allclose(ss.q_time[:, 1:, r], ss.q_diag[:, None, r] / params["shock_weight"])
    np.testing.assert_allclose(
        ss.q_time[:, 1:, :r], np.broadcast_to(ss.q_diag[:, None, :r], ss.q_time[:, 1:, :r].shape)
    )
    i = m.data.indicators.index("unga_distance_fp")
    assert np.all(ss.z[:, i, k + 1] == 1.0) and np.all(ss.z[:, i, k + 2] == 0.0)
    rho, sig = params["idio_rho"][:, 0], params["idio_sigma"][:, 0]
    np.testing.assert_allclose(ss.a[:, k + 1, k + 1], rho)
    np.testing.assert_allclose(ss.p0[:, k + 1, k + 1], sig**2 + F, rtol=1e-12)
    np.testing.assert_allclose(ss.q_diag[:, k + 1], sig**2 * (1 - rho**2) + F, rtol=1e-12)
    # stocks as flows: the yearly change of the sanctions in force is the modelled count
    j = m.data.indicators.index("us_sanctions")
    level = panel["value"].sel(indicator="us_sanctions").values
    change = np.diff(level)
    ok = np.isfinite(change)
    assert m.data.stock[j]
    np.testing.assert_array_equal(m.data.y[1:, j][ok], change[ok])
    assert not m.data.mask[0, j]


def test_own_random_walks(panel):
    m = TensionModel(panel, variant=DYNAMICS["own_random_walks"])
    params = posterior_parameters(prior_draws(m, 2, random_seed=4), m.layout)
    ss = state_space(params, m.layout)
    j = m.layout.n_drivers + 1
    assert "idio_rho" not in params
    assert np.all(ss.a[:, j, j] == 1.0) and np.all(ss.p0[:, j, j] == 1.0 + F)
    np.testing.assert_allclose(ss.q_diag[:, j], params["idio_sigma"][:, 0] ** 2 + F, rtol=1e-12)


def test_the_variance_floor_is_on_the_own_deviations_only(panel):
    """The floor keeps an own deviation's gradient exact near ``idio_sigma = 0``; the drivers
    and the tension residual have none (docs/decisions.md)."""
    m = TensionModel(panel)
    layout = m.layout
    floor = variance_floor(layout)
    r = layout.residual
    assert floor.shape == (layout.n_states,) and layout.n_states > r + 1
    assert np.all(floor[: r + 1] == 0.0) and np.all(floor[r + 1 :] == VARIANCE_FLOOR)
    params = posterior_parameters(prior_draws(m, 2, random_seed=4), layout)
    ss = state_space(params, layout)
    np.testing.assert_allclose(ss.q_diag[:, r + 1 :], params["idio_sigma"] ** 2 + F, rtol=1e-12)
    assert np.all(variance_floor(TensionModel(panel, variant="stationary").layout) == 0.0)


@pytest.mark.parametrize("shocks", ["student_t", "student_t_shared"])
def test_shock_weights_scale_the_residual_and_if_shared_the_own_deviations(panel, shocks):
    """A year's Student-t weight divides the innovation variance of the tension residual (and,
    shared, of every own deviation) in the fit, and the forecasts' new weights do the same."""
    from causal_model.model.generate import innovations

    v = _on_stationary(
        shocks,
        tension_dynamics="random_walk",
        shocks=shocks,
        own_dynamics="random_walk",
        idiosyncratic=("unga_distance_fp", "pew_russians_fav_us"),
    )
    m = TensionModel(panel, variant=v)
    layout = m.layout
    params = posterior_parameters(prior_draws(m, 3, random_seed=4), layout)
    ss = state_space(params, layout, NUMPY)
    k = layout.residual
    scaled = [k, k + 1, k + 2] if shocks == "student_t_shared" else [k]
    w = np.concatenate([np.ones((3, 1)), params["shock_weight"]], axis=1)  # (D, T)
    expected = np.repeat(ss.q_diag[:, None, :], w.shape[1], axis=1)
    expected[..., scaled] /= w[..., None]
    np.testing.assert_allclose(ss.q_time, expected, rtol=1e-12)

    # forecasts: the same states get the new weights, one per year shared among them
    class Fixed:
        def standard_normal(self, size):
            return np.ones(size)

        def gamma(self, shape, scale, size):
            return np.broadcast_to(np.arange(1.0, size[1] + 1.0), size).copy()

    eps = innovations(ss, 4, Fixed())
    factor = np.ones((4, layout.n_states))
    factor[:, scaled] = 1.0 / np.sqrt(np.arange(1.0, 5.0))[:, None]
    np.testing.assert_allclose(eps, np.sqrt(ss.q_diag)[:, None, :] * factor, rtol=1e-14)


def test_drift_is_a_linear_trend_in_the_level(panel):
    """With ``drift=True`` the level's expected yearly change is ``level_drift``: the drift
    term is ``level_drift`` times the years since the first panel year, it enters every
    tension indicator's offset as the elite term does (``c = c0 + lam (E + m)``), goes on at
    the same rate past the panel, and is absent (zeros, no parameter) without a drift."""
    m = TensionModel(panel, variant=DYNAMICS["drift"])
    layout = m.layout
    params = posterior_parameters(prior_draws(m, 3, random_seed=4), layout)
    assert params["level_drift"].shape == (3,)
    ss = state_space(params, layout)
    years = m.data.years - m.data.years[0]
    np.testing.assert_allclose(ss.trend, params["level_drift"][:, None] * years, rtol=1e-12)
    np.testing.assert_allclose(
        ss.c, ss.c0[:, None, :] + (ss.elite + ss.trend)[..., None] * ss.lam[:, None, :]
    )
    later = tension_trend(layout, params, times=np.array([2030.5, 2031.5]))
    np.testing.assert_allclose(np.diff(later, axis=-1)[:, 0], params["level_drift"])
    np.testing.assert_allclose(later[:, 0], params["level_drift"] * (2030 - m.data.years[0]))
    plain = TensionModel(panel)
    plain_params = posterior_parameters(prior_draws(plain, 2, random_seed=4), plain.layout)
    assert "level_drift" not in plain_params
    assert np.all(state_space(plain_params, plain.layout).trend == 0.0)
