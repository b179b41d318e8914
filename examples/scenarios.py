"""Compare forecasts under scenarios of future leader changes, including one from a file.

    python examples/scenarios.py [--quick] [--out DIR]

The built-in scenarios differ in whether Russia's head of state changes after the 2030
election; the custom one adds an early Russian change in 2027 with probability 0.2. All use
the same random numbers, so their differences come from the scenarios alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).parent))
from _common import parse  # noqa: E402

from causal_model import (  # noqa: E402
    FutureEvent,
    Scenario,
    TensionModel,
    compare_scenarios,
    load_us_russia,
)
from causal_model.analysis import forecast_scenarios
from causal_model.plotting import plot_forecast  # noqa: E402


def main(argv=None) -> int:
    args = parse(__doc__, argv)
    model = TensionModel(load_us_russia())
    idata = model.fit(**args.fit_kwargs)

    early = Scenario(
        "early_russian_change",
        (
            FutureEvent("2027-05-07", "ru", 0.2, "early Russian change (p = 0.2)"),
            FutureEvent("2029-01-20", "us", 1.0, "new US president"),
        ),
        "a Russian change of head of state in 2027 with probability 0.2",
    )
    runs = forecast_scenarios(
        model,
        idata,
        ["default", "russian_change", "no_russian_change", early],
        random_seed=args.seed,
    )
    table = compare_scenarios(runs)
    print(table.round(3).to_string())
    table.to_csv(args.out / "scenarios.csv")
    ax = plot_forecast(runs["default"], scenarios=runs, since=2010)
    ax.figure.savefig(args.out / "scenarios.png", dpi=130)
    print(f"figure and table in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
