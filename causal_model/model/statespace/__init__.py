"""The latent states integrated out: numba kernels, the PyTensor Op, NumPy wrappers."""

from causal_model.model.statespace.numba_cache import drop_stale_kernels

drop_stale_kernels()
