"""The latent states integrated out: numba kernels, the PyTensor Op, NumPy wrappers."""
