"""Tests of the mathematical building blocks (PyTensor graphs against their NumPy twins)."""

from __future__ import annotations

import math

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from causal_model import components as cm


def test_elite_decay_values_and_twin():
    s = np.array([-50.0, -1.0, -1e-12, 0.0, 0.5, 3.0, 40.0])
    tau = 2.0
    expected = np.where(s >= 0, np.exp(-np.maximum(s, 0) / tau), 0.0)
    np.testing.assert_allclose(cm.elite_decay(s, tau).eval(), expected, rtol=1e-14)
    np.testing.assert_allclose(cm.elite_decay_np(s, tau), expected, rtol=1e-14)
    assert cm.elite_decay_np(0.0, tau) == 1.0


def test_elite_decay_gradient_is_finite_before_event():
    s = pt.vector("s")
    tau = pt.scalar("tau")
    g = cm.elite_decay(s, tau)
    grads = pytensor.grad(pt.sum(g), [s, tau])
    f = pytensor.function([s, tau], grads)
    ds, dtau = f(np.array([-1e4, -1.0, 1.0]), 0.5)
    assert np.all(np.isfinite(ds)) and np.isfinite(dtau)
    np.testing.assert_allclose(ds[:2], 0.0)
    np.testing.assert_allclose(ds[2], -np.exp(-2.0) / 0.5)
    np.testing.assert_allclose(dtau, np.exp(-2.0) * 1.0 / 0.25)


def test_elite_step():
    s = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(cm.elite_step(s).eval(), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(cm.elite_step_np(s), [0.0, 1.0, 1.0])


@pytest.mark.parametrize("permanent", [False, True])
def test_elite_term_matches_loop(permanent):
    rng = np.random.default_rng(1)
    times = np.arange(1992, 2026) + 0.5
    events = np.array([1993.05, 2000.35, 2001.05, 2008.4, 2012.4, 2017.05])
    delta = rng.normal(size=events.size)
    delta_k = rng.normal(size=(events.size, 3))
    tau = cm.half_life_to_tau_np(2.0)
    g = cm.elite_step_np if permanent else (lambda s: cm.elite_decay_np(s, tau))
    loop = np.array([sum(delta[e] * g(t - events[e]) for e in range(events.size)) for t in times])
    got = cm.elite_term(times, events, delta, tau, permanent=permanent).eval()
    np.testing.assert_allclose(got, loop, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        cm.elite_term_np(times, events, delta, tau, permanent), loop, rtol=1e-12, atol=1e-14
    )
    got_k = cm.elite_term(times, events, delta_k, tau, permanent=permanent).eval()
    assert got_k.shape == (times.size, 3)
    np.testing.assert_allclose(
        got_k, cm.elite_term_np(times, events, delta_k, tau, permanent), rtol=1e-12, atol=1e-14
    )


def test_elite_term_per_event_tau_and_missing_tau():
    times = np.arange(5.0)
    events = np.array([0.0, 2.0])
    tau = np.array([1.0, 3.0])
    want = np.exp(-times / 1.0) * (times >= 0) + 2 * np.where(
        times >= 2, np.exp(-(times - 2) / 3), 0
    )
    np.testing.assert_allclose(cm.elite_term(times, events, [1.0, 2.0], tau).eval(), want)
    with pytest.raises(ValueError):
        cm.elite_term(times, events, [1.0, 2.0])


def test_small_conversions():
    np.testing.assert_allclose(cm.ar1_stationary_var(0.6, 2.0).eval(), 4.0 / 0.64)
    np.testing.assert_allclose(cm.ar1_stationary_var_np([0.0, 0.6], 2.0), [4.0, 4.0 / 0.64])
    z = np.array([-1.0, 0.0, 2.0])
    want = 1 / (1 + np.exp(-(0.3 + 0.5 * z)))
    np.testing.assert_allclose(cm.logit_pooled(0.3, 0.5, z).eval(), want, rtol=1e-14)
    np.testing.assert_allclose(cm.logit_pooled_np(0.3, 0.5, z), want, rtol=1e-14)
    assert cm.logit_pooled_np(0.0, 1.0, 1e4) == 1.0  # no overflow
    np.testing.assert_allclose(cm.half_life_to_tau(math.log(2)).eval(), 1.0)
    np.testing.assert_allclose(cm.half_life_to_tau_np(3.0), 3.0 / math.log(2))
    tau = cm.half_life_to_tau_np(3.0)
    np.testing.assert_allclose(cm.elite_decay_np(3.0, tau), 0.5)


def test_ar1_simulate():
    rng = np.random.default_rng(7)
    rho, sd = np.array([0.0, 0.8]), np.array([1.0, 0.5])
    x = cm.ar1_simulate(rho, sd, 200_000, rng)
    assert x.shape == (200_000, 2)
    np.testing.assert_allclose(x.var(axis=0), cm.ar1_stationary_var_np(rho, sd), rtol=0.03)
    lag1 = np.array([np.corrcoef(x[1:, k], x[:-1, k])[0, 1] for k in range(2)])
    np.testing.assert_allclose(lag1, rho, atol=0.01)
    y = cm.ar1_simulate(0.5, 1.0, 4, np.random.default_rng(0), x0=2.0)
    assert y.shape == (4,) and y[0] == 2.0
    assert cm.ar1_simulate(0.5, 1.0, 0, rng).shape == (0,)


def test_coupling_keeps_every_var_stationary() -> None:
    from causal_model.components import stationary_coupling, stationary_coupling_np

    rng = np.random.default_rng(3)
    for _ in range(200):
        rho = rng.uniform(0.0, 0.999, size=3)
        raw = rng.normal(0.0, 5.0, size=(3, 3))
        c = stationary_coupling_np(rho, raw)
        assert np.all(np.diag(c) == 0)
        a = np.diag(rho) + c
        assert np.max(np.abs(np.linalg.eigvals(a))) < 1.0
    # the unconstrained maximum pushes a row right up to (not over) the unit circle
    c = stationary_coupling_np(np.array([0.9, 0.9]), np.full((2, 2), 50.0))
    assert np.allclose(c, [[0.0, 0.1], [0.1, 0.0]])
    np.testing.assert_allclose(
        stationary_coupling(rho, raw).eval(), stationary_coupling_np(rho, raw)
    )
