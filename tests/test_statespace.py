"""Tests of the Laplace-approximate marginal likelihood of the state-space model."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from numpy.polynomial.hermite_e import hermegauss
from pytensor.graph.traversal import ancestors
from scipy.special import expit, gammaln, logsumexp

from causal_model.model.statespace.laplace_numpy import (
    kalman_loglike_numpy,
    laplace_mode_and_precision_numpy,
    prior_precision_dense,
    sample_from_laplace,
    sample_states,
    stationary_cov,
)
from causal_model.model.statespace.laplace_op import LaplaceModeOp, laplace_marginal_loglike

#: Graphs evaluated in Python mode (conftest.PYTHON_MODE); a backend's test names its mode.
pytestmark = pytest.mark.usefixtures("python_mode")


#: Mixed panel: 4 normal, 2 student_t, 4 poisson, 2 negative_binomial, 4 binomial.
FAMS = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 4, 4])


def simulate_panel(seed=0, nt=34, s=4, family=FAMS, missing=0.25):
    """Simulate a realistic panel (counts 0-~20, binomial trials 50-150, shares ~0.1-0.5)."""
    rng = np.random.default_rng(seed)
    n = family.size
    a, q = rng.uniform(0.6, 0.9, s), rng.uniform(0.05, 0.2, s)
    x = np.zeros((nt, s))
    x[0] = rng.normal(size=s) * np.sqrt(q / (1 - a**2))
    for t in range(1, nt):
        x[t] = a * x[t - 1] + rng.normal(size=s) * np.sqrt(q)
    z = np.zeros((n, s))
    z[np.arange(n), np.arange(n) % s] = rng.uniform(0.5, 1.0, n)
    z[:, s - 1] += rng.normal(size=n) * 0.2
    intercept = np.where(
        family == 4,
        rng.uniform(-2.0, -0.3, n),
        np.where(family >= 2, rng.uniform(0.5, 1.5, n), rng.normal(size=n)),
    )
    c = np.tile(intercept, (nt, 1))
    eta = c + x @ z.T
    scale, nu, alpha = rng.uniform(0.3, 0.6, n), np.full(n, 5.0), np.full(n, 8.0)
    trials = rng.integers(50, 151, size=(nt, n)).astype(float)
    y = np.empty((nt, n))
    for i, f in enumerate(family):
        e = eta[:, i]
        if f == 0:
            y[:, i] = e + scale[i] * rng.normal(size=nt)
        elif f == 1:
            y[:, i] = e + scale[i] * rng.standard_t(nu[i], size=nt)
        elif f == 2:
            y[:, i] = rng.poisson(np.exp(e))
        elif f == 3:
            y[:, i] = rng.poisson(rng.gamma(alpha[i], np.exp(e) / alpha[i]))
        else:
            y[:, i] = rng.binomial(trials[:, i].astype(int), expit(e))
    mask = rng.uniform(size=(nt, n)) > missing
    y[~mask] = np.nan
    return dict(
        y=y,
        mask=mask,
        trials=trials,
        family=family.copy(),
        c=c,
        Z=z,
        scale=scale,
        nu=nu,
        alpha=alpha,
        a=a,
        q=q,
        x=x,
    )


def _prior(a, q):
    """Transition, innovation variances (the diagonal of Q) and the stationary P0."""
    return np.diag(a), q, np.diag(q / (1 - a**2))


def _numpy_laplace(d, **kw):
    A, Q, P0 = _prior(d["a"], d["q"])  # noqa: N806
    return laplace_mode_and_precision_numpy(
        d["y"],
        d["mask"],
        d["trials"],
        d["family"],
        d["c"],
        d["Z"],
        d["scale"],
        d["nu"],
        d["alpha"],
        A,
        Q,
        P0,
        **kw,
    )


def _symbolic(d):
    """Laplace log-likelihood as a function of (a, Z, scale, nu, alpha, intercept) tensors."""
    v = dict(
        a=pt.vector("a"),
        Z=pt.matrix("Z"),
        scale=pt.vector("scale"),
        nu=pt.vector("nu"),
        alpha=pt.vector("alpha"),
        b=pt.vector("b"),
    )
    q = pt.as_tensor(d["q"])
    c = v["b"][None, :] + pt.zeros(d["c"].shape)
    ll = laplace_marginal_loglike(
        d["y"],
        d["mask"],
        d["trials"],
        d["family"],
        c,
        v["Z"],
        v["scale"],
        v["nu"],
        v["alpha"],
        pt.diag(v["a"]),
        q,
        pt.diag(q / (1 - v["a"] ** 2)),
    )
    values = [d["a"], d["Z"], d["scale"], d["nu"], d["alpha"], d["c"][0]]
    return list(v.values()), values, ll


# ------------------------------------------------------------------------------------------
# All-Gaussian: the Laplace approximation is exact and equals the Kalman filter.
# ------------------------------------------------------------------------------------------
def _gaussian_panel(seed=0, nt=34):
    d = simulate_panel(seed, nt=nt, family=np.zeros(12, dtype=int))
    d["y"][5, :] = np.nan  # a year with nothing observed
    d["mask"][5, :] = False
    return d


def _gaussian_graph(d, scale, A, Q, P0):  # noqa: N803
    """The Laplace log-likelihood graph of an all-normal panel ``d`` with noise ``scale``."""
    return laplace_marginal_loglike(
        d["y"],
        d["mask"],
        None,
        d["family"],
        pt.as_tensor(d["c"]),
        pt.as_tensor(d["Z"]),
        scale,
        None,
        None,
        pt.as_tensor(A),
        pt.as_tensor(Q),
        pt.as_tensor(P0),
    )


@pytest.mark.parametrize("general", [False, True])
def test_gaussian_laplace_equals_kalman(general):
    d = _gaussian_panel(1)
    A, Q, P0 = _prior(d["a"], d["q"])  # noqa: N806
    if general:  # non-diagonal transition, yearly innovation variances (Student-t shocks)
        A = A + 0.1 * np.tri(4, k=-1)  # noqa: N806
        P0 = stationary_cov(A, Q)  # noqa: N806
        nt = d["y"].shape[0]
        Q = Q[None, :] * np.exp(np.sin(np.arange(nt)))[:, None]  # noqa: N806
    ref = kalman_loglike_numpy(d["y"], d["mask"], d["c"], d["Z"], d["scale"], A, Q, P0)
    res = laplace_mode_and_precision_numpy(
        d["y"], d["mask"], None, d["family"], d["c"], d["Z"], d["scale"], None, None, A, Q, P0
    )
    assert abs(res.loglike - ref) < 1e-8
    ll = _gaussian_graph(d, pt.as_tensor(d["scale"]), A, Q, P0)
    assert abs(ll.eval() - ref) < 1e-8


def test_gaussian_gradient_equals_kalman_gradient():
    d = _gaussian_panel(2)
    inputs, values, ll = _symbolic(d)
    grads = pytensor.function(inputs, pytensor.grad(ll, [inputs[0], inputs[1]]))(*values)

    def kalman(a, z):
        A, Q, P0 = _prior(a, d["q"])  # noqa: N806
        return kalman_loglike_numpy(d["y"], d["mask"], d["c"], z, d["scale"], A, Q, P0)

    h = 1e-6
    for k in range(4):
        e = np.eye(4)[k] * h
        fd = (kalman(d["a"] + e, d["Z"]) - kalman(d["a"] - e, d["Z"])) / (2 * h)
        assert abs(grads[0][k] - fd) < 1e-5 * (1 + abs(fd))
    e = np.zeros_like(d["Z"])
    e[3, 3] = h
    fd = (kalman(d["a"], d["Z"] + e) - kalman(d["a"], d["Z"] - e)) / (2 * h)
    assert abs(grads[1][3, 3] - fd) < 1e-5 * (1 + abs(fd))


def test_yearly_innovation_variances_equal_kalman_value_and_gradient():
    """Innovation variances that change by year (Student-t shocks as a scale mixture, given
    their weights): the Laplace value and its gradient equal the Kalman filter's."""
    d = _gaussian_panel(6, nt=18)
    A, q0, P0 = _prior(d["a"], d["q"])  # noqa: N806
    nt = d["y"].shape[0]
    w = np.random.default_rng(6).gamma(1.5, 1 / 1.5, size=nt)
    q = q0[None, :] * np.ones((nt, 1))
    q[:, -1] /= w  # the last state's shocks are heavy-tailed

    def kalman(qq):
        return kalman_loglike_numpy(d["y"], d["mask"], d["c"], d["Z"], d["scale"], A, qq, P0)

    ref = kalman(q)
    assert abs(ref - kalman(q0)) > 0.1  # the weights matter
    qt = pt.matrix("q")
    ll = _gaussian_graph(d, pt.as_tensor(d["scale"]), A, qt, P0)
    value, grad = pytensor.function([qt], [ll, pytensor.grad(ll, qt)])(q)
    assert abs(value - ref) < 1e-8
    h = 1e-7
    for t, k in [(1, 0), (5, 3), (nt - 1, 3), (9, 2)]:
        e = np.zeros_like(q)
        e[t, k] = h
        fd = (kalman(q + e) - kalman(q - e)) / (2 * h)
        assert abs(grad[t, k] - fd) < 1e-5 * (1 + abs(fd))
    assert np.all(grad[0] == 0.0)  # row 0 is not used (x_0 ~ N(0, P0))


def test_per_cell_scale_equals_kalman_value_and_gradient():
    """A (T, N) scale (a Student-t as a scale mixture given its weights) is exact too."""
    d = _gaussian_panel(4, nt=20)
    A, Q, P0 = _prior(d["a"], d["q"])  # noqa: N806
    w = np.random.default_rng(4).gamma(2.0, 0.5, size=d["y"].shape)
    cell = d["scale"][None, :] / np.sqrt(w)

    def kalman(sc):
        return kalman_loglike_numpy(d["y"], d["mask"], d["c"], d["Z"], sc, A, Q, P0)

    ref = kalman(cell)
    assert abs(ref - kalman(d["scale"])) > 1.0  # the weights matter
    res = laplace_mode_and_precision_numpy(
        d["y"], d["mask"], None, d["family"], d["c"], d["Z"], cell, None, None, A, Q, P0
    )
    assert abs(res.loglike - ref) < 1e-8
    sc = pt.matrix("cell_scale")
    ll = _gaussian_graph(d, sc, A, Q, P0)
    value, grad = pytensor.function([sc], [ll, pytensor.grad(ll, sc)])(cell)
    assert abs(value - ref) < 1e-8
    h = 1e-6
    cells = np.argwhere(d["mask"])
    for t, i in cells[[0, len(cells) // 2, -1]]:
        e = np.zeros_like(cell)
        e[t, i] = h
        fd = (kalman(cell + e) - kalman(cell - e)) / (2 * h)
        assert abs(grad[t, i] - fd) < 1e-5 * (1 + abs(fd))
    assert np.all(grad[~d["mask"]] == 0.0)


def test_gaussian_states_are_the_exact_posterior():
    d = _gaussian_panel(3, nt=12)
    A, Q, P0 = _prior(d["a"], d["q"])  # noqa: N806
    res = _numpy_laplace(d)
    nt, s = res.mode.shape
    # Dense exact conditional Gaussian of the stacked states.
    zb = np.zeros((nt * d["Z"].shape[0], nt * s))
    for t in range(nt):
        zb[t * 12 : (t + 1) * 12, t * s : (t + 1) * s] = d["Z"]
    r = (d["mask"] / d["scale"] ** 2).ravel()
    prec = prior_precision_dense(A, Q, P0, nt) + zb.T @ (r[:, None] * zb)
    cov = np.linalg.inv(prec)
    mean = cov @ zb.T @ (r * np.nan_to_num(d["y"] - d["c"]).ravel())
    np.testing.assert_allclose(res.mode.ravel(), mean, atol=1e-10)
    for t in range(nt):
        np.testing.assert_allclose(
            res.cov_diag[t], cov[t * s : (t + 1) * s, t * s : (t + 1) * s], atol=1e-12
        )
        if t:
            np.testing.assert_allclose(
                res.cov_sub[t - 1], cov[t * s : (t + 1) * s, (t - 1) * s : t * s], atol=1e-12
            )
    assert abs(res.logdet_precision - np.linalg.slogdet(prec)[1]) < 1e-9
    # Draws: x = mode + L^{-T} e exactly, and their covariance is the posterior's.
    low = np.zeros((nt * s, nt * s))
    for t in range(nt):
        low[t * s : (t + 1) * s, t * s : (t + 1) * s] = res.chol_diag[t]
        if t:
            low[t * s : (t + 1) * s, (t - 1) * s : t * s] = res.chol_sub[t]
    np.testing.assert_allclose(low @ low.T, prec, atol=1e-10)
    draws = sample_from_laplace(res, 3, np.random.default_rng(5))
    e = np.random.default_rng(5).standard_normal((nt, s, 3))
    want = mean[None] + np.linalg.solve(low.T, np.moveaxis(e, 2, 0).reshape(3, -1).T).T
    np.testing.assert_allclose(draws.reshape(3, -1), want, atol=1e-10)
    many = sample_states(
        d["y"],
        d["mask"],
        None,
        d["family"],
        d["c"],
        d["Z"],
        d["scale"],
        None,
        None,
        A,
        Q,
        P0,
        draws=20_000,
        rng=np.random.default_rng(6),
    )
    assert many.shape == (20_000, nt, s)
    emp = np.cov(many.reshape(20_000, -1), rowvar=False)
    assert np.max(np.abs(emp - cov)) < 0.05 * np.max(np.diag(cov))


# ------------------------------------------------------------------------------------------
# Non-Gaussian families.
# ------------------------------------------------------------------------------------------
def test_laplace_close_to_quadrature_poisson_binomial():
    nt = 3
    a, q = 0.7, 0.3
    A, Q, P0 = [[a]], [q], [[q / (1 - a * a)]]  # noqa: N806
    fam = np.array([2, 4])
    z = np.array([[0.8], [0.6]])
    c = np.tile([1.0, -1.0], (nt, 1))
    trials = np.array([[60, 80], [100, 120], [50, 150]], float)
    y = np.array([[4, 20], [1, 33], [7, 9]], float)
    mask = np.array([[1, 1], [1, 0], [1, 1]], bool)
    res = laplace_mode_and_precision_numpy(y, mask, trials, fam, c, z, None, None, None, A, Q, P0)
    om = prior_precision_dense(A, Q, P0, nt)

    def log_joint(x):  # x: (..., T)
        eta = c + x[..., :, None] * z[:, 0]
        n = trials[:, 1]
        ll = mask[:, 0] * (
            y[:, 0] * eta[..., 0] - np.exp(eta[..., 0]) - gammaln(y[:, 0] + 1)
        ) + mask[:, 1] * (
            gammaln(n + 1)
            - gammaln(y[:, 1] + 1)
            - gammaln(n - y[:, 1] + 1)
            + y[:, 1] * eta[..., 1]
            - n * np.logaddexp(0, eta[..., 1])
        )
        quad = np.einsum("...i,ij,...j->...", x, om, x)
        return (
            ll.sum(-1) - 0.5 * quad + 0.5 * np.linalg.slogdet(om)[1] - 0.5 * nt * np.log(2 * np.pi)
        )

    # Adaptive Gauss-Hermite: nodes placed by the Laplace Gaussian (exact for any such map).
    eta = c + res.mode[:, :1] * z[:, 0]
    w = mask * np.where([True, False], np.exp(eta), trials * expit(eta) * expit(-eta))
    low = np.linalg.cholesky(om + np.diag((w * z[:, 0] ** 2).sum(1)))
    nodes, weights = hermegauss(30)
    g = np.stack(np.meshgrid(nodes, nodes, nodes, indexing="ij"), -1).reshape(-1, 3)
    wg = np.prod(
        np.stack(np.meshgrid(weights, weights, weights, indexing="ij"), -1).reshape(-1, 3), axis=1
    )
    x = res.mode[:, 0] + np.linalg.solve(low.T, g.T).T
    exact = logsumexp(log_joint(x) + 0.5 * (g**2).sum(1), b=wg) - np.log(np.diag(low)).sum()
    assert abs(res.loglike - exact) < 0.01
    ll = laplace_marginal_loglike(
        y, mask, trials, fam, c, z, None, None, None, np.array(A), np.array(Q), np.array(P0)
    )
    assert abs(ll.eval() - res.loglike) < 1e-10


@pytest.mark.parametrize("seed", range(4))
def test_newton_converges_on_realistic_panel(seed):
    d = simulate_panel(seed)
    res = _numpy_laplace(d, n_newton=8, tol=1e-12)
    assert res.n_iter <= 8
    assert res.step_norm < 1e-6
    assert res.grad_norm < 1e-8
    # Fully converged value agrees.
    assert abs(_numpy_laplace(d, n_newton=100).loglike - res.loglike) < 1e-9


def test_gradient_matches_finite_differences_mixed_families():
    d = simulate_panel(11)
    inputs, values, ll = _symbolic(d)
    f = pytensor.function(inputs, ll)
    grads = pytensor.function(inputs, pytensor.grad(ll, inputs))(*values)
    # value of the graph == NumPy kernel value
    assert abs(f(*values) - _numpy_laplace(d).loglike) < 1e-9
    h = 1e-5
    checks = [
        (0, (1,)),
        (0, (3,)),
        (1, (2, 2)),
        (1, (7, 3)),
        (1, (13, 1)),
        (1, (10, 2)),
        (2, (0,)),
        (2, (5,)),
        (3, (4,)),
        (4, (11,)),
        (5, (8,)),
        (5, (14,)),
    ]
    for k, idx in checks:
        plus = [v.copy() for v in values]
        minus = [v.copy() for v in values]
        plus[k][idx] += h
        minus[k][idx] -= h
        fd = (f(*plus) - f(*minus)) / (2 * h)
        assert abs(grads[k][idx] - fd) < 1e-5 * (1 + abs(fd)), (k, idx, grads[k][idx], fd)


def test_numba_mode_matches_python_mode():
    """The Op's numba dispatch (the mode nutpie compiles with) gives the value and gradient
    of Python mode (this module's default), on the families of the real panel (normal,
    Poisson, binomial), for which the Op takes the fused gradient, as in every fit of the
    reference. (Until 2026-12-02 this ran on every family, with Student-t and negative
    binomial cells, where the Op does not fuse, and asserted a speed; speed is measured in
    ``benchmarks/``.)"""
    d = simulate_panel(5, family=np.array([0, 0, 0, 0, 0, 2, 2, 2, 2, 4, 4, 4, 4, 0]))
    inputs, values, ll = _symbolic(d)
    nodes = {v.owner for v in ancestors([ll]) if v.owner is not None}
    assert [n.op.fused for n in nodes if isinstance(n.op, LaplaceModeOp)] == [True]
    # nu and alpha (Student-t, negative binomial) do not enter: their gradients are zeros
    outs = [ll, *pytensor.grad(ll, inputs, disconnected_inputs="ignore")]
    ref = pytensor.function(inputs, outs)(*values)
    got = pytensor.function(inputs, outs, mode="NUMBA")(*values)
    for r, g in zip(ref, got, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-7, atol=1e-9)


def test_single_year_and_input_checks():
    d = simulate_panel(2, nt=1)
    res = _numpy_laplace(d)
    assert res.mode.shape == (1, 4) and res.cov_sub.shape == (0, 4, 4)
    inputs, values, ll = _symbolic(d)
    assert abs(pytensor.function(inputs, ll)(*values) - res.loglike) < 1e-10
    bad = dict(d, y=np.where(np.isnan(d["y"]), np.nan, -d["y"] - 1))
    with pytest.raises(ValueError, match="non-negative"):
        _numpy_laplace(bad)


def test_gradient_survives_pymc_pregrad_rewrites():
    """PyMC canonicalizes the log-density before differentiating (``rewrite_pregrad``)."""
    pm = pytest.importorskip("pymc")
    d = simulate_panel(4, nt=20)
    sel = (d["Z"] != 0).astype(float)
    with pm.Model() as model:
        a = pm.Beta("a", 4, 2, shape=4)
        lam = pm.HalfNormal("lam", 1.0, shape=16)
        b = pm.Normal("b", 0, 2, shape=16)
        q = pt.as_tensor(d["q"])
        pm.Potential(
            "loglike",
            laplace_marginal_loglike(
                d["y"],
                d["mask"],
                d["trials"],
                d["family"],
                pt.broadcast_to(b, (20, 16)),
                sel * lam[:, None],
                d["scale"],
                d["nu"],
                d["alpha"],
                pt.diag(a),
                q,
                pt.diag(q / (1 - a**2)),
            ),
        )
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    point = model.initial_point()
    names = list(point)
    sizes = [point[n].size for n in names]
    rng = np.random.default_rng(0)

    def unravel(v):
        return dict(zip(names, np.split(v, np.cumsum(sizes)[:-1]), strict=True))

    v = np.concatenate([point[n] for n in names]) + 0.3 * rng.normal(size=sum(sizes))
    grad = dlogp(unravel(v))
    h = 1e-5
    for j in (0, 3, 5, 12, 19, 22, 30):
        e = np.zeros_like(v)
        e[j] = h
        fd = (logp(unravel(v + e)) - logp(unravel(v - e))) / (2 * h)
        assert abs(grad[j] - fd) < 1e-5 * (1 + abs(fd)), (j, grad[j], fd)


def test_numba_digamma_matches_scipy_and_makes_the_logp_cacheable():
    """psi has a cacheable numba implementation (otherwise the whole log-density is recompiled
    in every process)."""
    import scipy.special as sp
    from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key
    from pytensor.scalar.math import psi

    from causal_model.model.statespace.numba_digamma import digamma

    x = np.concatenate([np.geomspace(1e-3, 1e3, 500), [-0.5, -1.5, -2.7]])
    got = np.array([digamma(v) for v in x])
    np.testing.assert_allclose(got, sp.digamma(x), rtol=1e-12, atol=1e-11)
    assert np.isnan(digamma(0.0)) and np.isnan(digamma(-2.0))
    _, key = numba_funcify_and_cache_key(psi, node=None)
    assert key is not None


def test_fused_observation_gradient_equals_the_graph():
    """The kernel's own gradient of the cells' terms (``fused``) gives the same value and
    gradient as the PyTensor terms, for every input: per-cell c and scale, Z, a coupled A,
    Q, P0 (normal, poisson and binomial cells, missing cells and an empty year). In Python
    mode (the module's ``pytestmark``): both forms call the same kernels in every mode, and
    the numba dispatch of the fused form is checked by ``test_numba_mode_matches_python_mode``
    (the NUMBA case here was dropped on 2026-12-02 to keep CI under 30 minutes)."""
    fams = np.array([0, 0, 0, 0, 0, 2, 2, 2, 4, 4, 4, 0])
    d = simulate_panel(21, family=fams)
    d["mask"][7, :] = False
    d["y"][7, :] = np.nan
    nt, n = d["y"].shape
    rng = np.random.default_rng(3)
    c, z, lsc, w = pt.matrix("c"), pt.matrix("z"), pt.vector("lsc"), pt.matrix("w")
    a, lq = pt.matrix("a"), pt.matrix("lq")
    q = pt.exp(lq)  # yearly innovation variances
    p0 = pt.diag(q[0]) + 0.5 * pt.eye(4)
    scale = pt.exp(lsc)[None, :] / pt.sqrt(w)  # per cell, like the Student-t mixture
    inputs = [c, z, lsc, w, a, lq]
    values = [
        d["c"] + 0.1 * rng.normal(size=(nt, n)),
        d["Z"],
        np.log(d["scale"]),
        rng.gamma(3.0, 1 / 3.0, size=(nt, n)),
        np.diag(d["a"]) + 0.05 * rng.normal(size=(4, 4)),
        np.log(d["q"])[None, :] + 0.3 * rng.normal(size=(nt, 4)),
    ]
    outs = []
    for fused in (True, False):
        ll = laplace_marginal_loglike(
            d["y"],
            d["mask"],
            d["trials"],
            d["family"],
            c,
            z,
            scale,
            None,
            None,
            a,
            q,
            p0,
            fused=fused,
        )
        fn = pytensor.function(inputs, [ll, *pytensor.grad(ll, inputs)])
        outs.append(fn(*values))
    for got, want in zip(*outs, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9)
    assert np.abs(outs[0][1]).max() > 0 and np.abs(outs[0][3]).max() > 0


def test_numba_cache_of_the_kernels_is_dropped_when_their_sources_change(tmp_path):
    """numba keys a cached function on its own file only: a kernel compiled against an older
    ``band.py`` must not be loaded, so a changed source hash deletes the kernels' cache files
    (and only theirs) and a matching one keeps them."""
    from causal_model.model.statespace.numba_cache import drop_stale_kernels, source_hash

    names = [
        "band.band_cholesky-50.py311.nbi",
        "kernels.laplace_kernel-163.py311.1.nbc",
        "family_cells.cell_terms-40.py311.nbi",
        "other_module.f-3.py311.nbi",
        "band.py",
    ]
    for name in names:
        (tmp_path / name).write_text("x")
    (tmp_path / "causal_model_kernels.sha256").write_text("an older hash\n")
    drop_stale_kernels(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "band.py",
        "causal_model_kernels.sha256",
        "other_module.f-3.py311.nbi",
    ]
    assert (tmp_path / "causal_model_kernels.sha256").read_text().strip() == source_hash()
    kept = tmp_path / "kernels.laplace_kernel-163.py311.nbi"
    kept.write_text("x")
    drop_stale_kernels(tmp_path)
    assert kept.exists()
