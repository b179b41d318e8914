"""Two causal questions answered with the fitted model.

    python examples/intervention_and_counterfactual.py [--quick] [--out DIR]

1. Intervention: if the security driver fell by one standard deviation from 2027 (say a new
   arms-control treaty), how much lower would tension be by 2030?
2. Counterfactual history: what would tension have been without the 2009 change of US
   president (the "reset")? Each posterior draw keeps its own latent noise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).parent))
from _common import parse  # noqa: E402

from causal_model import TensionModel, effect_summary, load_us_russia  # noqa: E402
from causal_model.analysis import counterfactual, intervene
from causal_model.plotting import plot_decomposition, plot_effect  # noqa: E402


def main(argv=None) -> int:
    args = parse(__doc__, argv)
    model = TensionModel(load_us_russia())
    idata = model.fit(**args.fit_kwargs)

    treaty = intervene(
        model,
        idata,
        do={"security": -1.0},
        from_year=2027,
        until=2030,
        shift=True,
        random_seed=args.seed,
    )
    print(treaty.attrs["question"])
    print(effect_summary(treaty).round(3).to_string())
    plot_effect(treaty).savefig(args.out / "intervention_security.png", dpi=130)

    reset = counterfactual(model, idata, drop_events=["us_2009_obama"])
    print(reset.attrs["question"])
    print(effect_summary(reset).loc[2008:2014].round(3).to_string())
    plot_effect(reset).savefig(args.out / "counterfactual_2009.png", dpi=130)

    plot_decomposition(idata).figure.savefig(args.out / "decomposition.png", dpi=130)
    print(f"figures in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
