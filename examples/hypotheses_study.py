"""The study's claims on the real panel: variants, LOO comparison, scorecard, prior sensitivity.

    python examples/hypotheses_study.py [--quick] [--out DIR]

Fits the reference model and the variants that remove a claim (no elite effect, permanent
elite effect, coupled drivers, each driver dropped), compares them by PSIS-LOO with a year
left out (states integrated out), and prints the scorecard of the claims under the
neoclassical-realist priors and under the sceptic's weakly informative priors side by side,
with the power-scaling prior sensitivity of the key parameters. ``--quick`` fits only the
reference and ``no_elite`` variants with few draws and skips the sceptic's fit (a smoke test,
not inference).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).parent))
import pandas as pd  # noqa: E402
from _common import parse  # noqa: E402

from causal_model import TensionModel, compare, hypotheses, load_us_russia  # noqa: E402
from causal_model.comparison import marginal_year_log_likelihood  # noqa: E402
from causal_model.plotting import plot_elpd  # noqa: E402
from causal_model.sensitivity import prior_sensitivity, scorecards_side_by_side  # noqa: E402

VARIANTS = (
    "reference",
    "no_elite",
    "permanent_elite",
    "coupled",
    "drop_geopolitics",
    "drop_security",
    "drop_culture",
)


def main(argv=None) -> int:
    args = parse(__doc__, argv)
    panel = load_us_russia()
    variants = VARIANTS[:2] if args.quick else VARIANTS
    fits, models = {}, {}
    for v in variants:
        models[v] = TensionModel(panel, variant=v)
        fits[v] = models[v].fit(**args.fit_kwargs)
        d = models[v].diagnostics_["value"]
        print(
            f"{v}: max R-hat {d['max_r_hat']:.3f}, min ESS {d['min_ess_bulk']:.0f}, "
            f"divergences {int(d['divergences'])}"
        )
    same_data = [v for v in variants if not v.startswith("drop_")]
    for v in same_data:
        marginal_year_log_likelihood(models[v], fits[v])
    table = compare({v: fits[v] for v in same_data}, kind="marginal")
    drops = compare(fits, kind="conditional") if len(variants) > len(same_data) else None
    pd.set_option("display.width", 160)
    print("\nLOO, a year left out, states integrated out:")
    print(table.drop(columns=["warning", "scale"]).round(2).to_string())
    plot_elpd(table).figure.savefig(args.out / "elpd.png", dpi=130)
    combined = (
        table
        if drops is None
        else pd.concat([table, drops.loc[drops.index.str.startswith("drop_")]])
    )
    if drops is not None:
        combined.attrs["pointwise_elpd"] = {
            **table.attrs["pointwise_elpd"],
            **{k: v for k, v in drops.attrs["pointwise_elpd"].items() if k.startswith("drop_")},
        }
        print("\ndropping a driver (conditional LOO on the tension indicators all variants share):")
        print(drops.drop(columns=["warning", "scale"]).round(2).to_string())
    ref = models["reference"]
    pred = ref.forecast(fits["reference"], random_seed=args.seed)
    card = hypotheses(
        fits["reference"], comparison=combined, forecast=pred, coupled=fits.get("coupled")
    )
    cards = {"neoclassical_realism": card}
    if args.quick:
        # The sceptic's priors make the real-panel posterior slow to sample (over 10 minutes
        # even with --quick draws on 2 cores); the smoke test skips that fit.
        print("\n--quick: the weakly_informative fit is skipped")
    else:
        sceptic = TensionModel(panel, priors="weakly_informative")
        fit_s = sceptic.fit(**args.fit_kwargs)
        cards["weakly_informative"] = hypotheses(
            fit_s, forecast=sceptic.forecast(fit_s, random_seed=args.seed)
        )
    both = scorecards_side_by_side(cards)
    print("\nscorecard (neoclassical priors; evidence from the LOO comparison):")
    print(card.drop(columns=["note"]).round(3).to_string(index=False))
    print("\nscorecards under both prior files:")
    print(both.round(3).to_string())
    print("\npower-scaling prior sensitivity (neoclassical priors):")
    sens = prior_sensitivity(ref, fits["reference"])
    print(sens.round(3).to_string())
    card.to_csv(args.out / "hypotheses.csv", index=False)
    both.to_csv(args.out / "hypotheses_both_priors.csv")
    sens.to_csv(args.out / "prior_sensitivity.csv")
    table.to_csv(args.out / "loo.csv")
    print(f"tables and figure in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
