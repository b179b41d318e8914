"""Fit the reference model on the real US–Russia panel and forecast tension to 2030.

    python examples/fit_and_forecast.py [--quick] [--out DIR]

Prints the convergence diagnostics, the forecast table for tension and the headline
probabilities, and writes the fan chart and the indicator forecasts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).parent))
from _common import parse  # noqa: E402

from causal_model import TensionModel, forecast_summary, load_us_russia  # noqa: E402
from causal_model.analysis import forecast
from causal_model.plotting import plot_forecast, plot_indicator_forecasts  # noqa: E402


def main(argv=None) -> int:
    args = parse(__doc__, argv)
    model = TensionModel(load_us_russia())  # reference variant, neoclassical-realist priors
    idata = model.fit(**args.fit_kwargs)
    print(model.diagnostics_.to_string())

    pred = forecast(model, idata, until=2030, random_seed=args.seed)
    table = forecast_summary(pred)
    print(table[table.quantity == "tension"].round(2).to_string(index=False))
    for name, p in table.attrs["headline"].items():
        print(f"{name}: {p:.2f}")

    plot_forecast(pred).figure.savefig(args.out / "forecast_fan.png", dpi=130)
    plot_indicator_forecasts(pred).savefig(args.out / "indicators.png", dpi=110)
    table.to_csv(args.out / "forecast_summary.csv", index=False)
    print(f"figures and table in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
