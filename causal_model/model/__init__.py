"""The model, defined once: its structure, parameters, Laplace step and graph (no sampling)."""

from causal_model.model.definition import ModelDefinition
from causal_model.model.generate import sample_prior_predictive, simulate
from causal_model.model.layout import Layout
from causal_model.model.structure import StateSpace, state_space

__all__ = [
    "Layout",
    "ModelDefinition",
    "StateSpace",
    "sample_prior_predictive",
    "simulate",
    "state_space",
]
