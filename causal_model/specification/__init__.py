"""What a user specifies before fitting: priors, variants, elite-response shapes, scenarios."""

from causal_model.specification.elite import ELITE_RESPONSES, EliteResponse, get_elite_response
from causal_model.specification.priors import PriorSet, PriorValidationError, load_priors
from causal_model.specification.scenarios import (
    FutureEvent,
    Scenario,
    ScenarioError,
    get_scenario,
    named_scenarios,
)
from causal_model.specification.variants import VARIANTS, Variant, get_variant

__all__ = [
    "ELITE_RESPONSES",
    "VARIANTS",
    "EliteResponse",
    "FutureEvent",
    "PriorSet",
    "PriorValidationError",
    "Scenario",
    "ScenarioError",
    "Variant",
    "get_elite_response",
    "get_scenario",
    "get_variant",
    "load_priors",
    "named_scenarios",
]
