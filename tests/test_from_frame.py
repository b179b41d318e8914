"""User panels: validation of every kind of bad input, with the column and row named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causal_model.data import (
    PanelValidationError,
    RegistryError,
    from_csv,
    from_frame,
    load_registry,
    to_frame,
    write_panel,
)

REGISTRY = [
    {
        "key": "a",
        "description": "gaussian",
        "latent": "tension",
        "direction": 1,
        "family": "normal",
        "anchor": True,
    },
    {"key": "b", "description": "counts", "latent": "tension", "direction": 1, "family": "poisson"},
    {
        "key": "c",
        "description": "votes",
        "latent": "tension",
        "direction": -1,
        "family": "binomial",
    },
    {
        "key": "d",
        "description": "a ratio",
        "latent": "geopolitics",
        "direction": 1,
        "family": "normal",
        "transform": "log",
    },
]


def good_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2000, 2001, 2002, 2003],
            "a": [0.1, np.nan, 0.3, 0.2],
            "b": [0, 2, 1, np.nan],
            "c": [10, 12, np.nan, 8],
            "c_trials": [40, 41, np.nan, 39],
            "d": [0.5, 0.6, 0.7, 0.8],
        }
    )


def problems_of(df, registry=REGISTRY) -> list[str]:
    with pytest.raises(PanelValidationError) as err:
        from_frame(df, registry)
    return err.value.problems


def test_good_frame_builds_labelled_panel():
    ds = from_frame(good_frame(), REGISTRY)
    assert ds["value"].dims == ("year", "indicator")
    assert list(ds.indicator.values) == ["a", "b", "c", "d"]
    assert ds.family.sel(indicator="c").item() == "binomial"
    assert float(ds.trials.sel(indicator="c", year=2001)) == 41
    assert np.isnan(float(ds.trials.sel(indicator="a", year=2001)))
    assert float(ds.value.sel(indicator="d", year=2000)) == pytest.approx(np.log(0.5))
    assert np.isnan(float(ds.value.sel(indicator="a", year=2001)))  # missing stays missing


def test_non_numeric_value_names_column_and_year():
    df = good_frame().astype(object)
    df.loc[2, "a"] = "n/a?"
    (msg,) = problems_of(df)
    assert "'a'" in msg and "non-numeric" in msg and "2002" in msg


@pytest.mark.parametrize(
    ("years", "word"),
    [
        ([2000, 2001, 2001, 2003], "duplicate"),
        ([2001, 2000, 2002, 2003], "not sorted"),
        ([2000, 2001, 2003, 2004], "gap"),
    ],
)
def test_bad_year_index(years, word):
    df = good_frame()
    df["year"] = years
    msgs = problems_of(df)
    assert any(word in m and "year" in m for m in msgs)


def test_inf_all_missing_negative_count_and_successes_above_trials_reported_together():
    df = good_frame()
    df.loc[1, "d"] = np.inf
    df["a"] = np.nan
    df.loc[0, "b"] = -1
    df.loc[3, "c"] = 50
    msgs = problems_of(df)
    joined = "\n".join(msgs)
    assert len(msgs) == 4, joined
    assert "'d'" in joined and "infinite" in joined and "2001" in joined
    assert "'a'" in joined and "every value is missing" in joined
    assert "'b'" in joined and "negative count" in joined and "2000" in joined
    assert "'c'" in joined and "successes above trials" in joined and "2003" in joined


def test_non_integer_count_missing_trials_and_log_domain():
    df = good_frame()
    df.loc[1, "b"] = 1.5
    df.loc[0, "c_trials"] = np.nan
    df.loc[2, "d"] = -0.1
    joined = "\n".join(problems_of(df))
    assert "non-integer count" in joined and "2001" in joined
    assert "trials missing" in joined and "2000" in joined
    assert "cannot be log-transformed" in joined and "2002" in joined


def test_undeclared_and_absent_columns_are_errors_not_drops():
    df = good_frame().assign(extra=1.0).drop(columns="d")
    joined = "\n".join(problems_of(df))
    assert "extra" in joined and "not declared" in joined
    assert "'d'" in joined and "absent" in joined


def test_unknown_family_and_latent_in_registry():
    reg = [dict(r) for r in REGISTRY]
    reg[0]["family"] = "gaussian"
    reg[1]["latent"] = "economy"
    reg[2]["direction"] = 2
    with pytest.raises(RegistryError) as err:
        load_registry(reg)
    joined = "\n".join(err.value.problems)
    assert len(err.value.problems) == 3
    assert "'a'" in joined and "unknown family 'gaussian'" in joined and "student_t" in joined
    assert "'b'" in joined and "unknown latent 'economy'" in joined
    assert "'c'" in joined and "direction" in joined


def test_csv_round_trip_and_atomic_no_overwrite(tmp_path):
    ds = from_frame(good_frame(), REGISTRY)
    path = write_panel(ds, tmp_path / "panel.csv")
    back = from_csv(path, REGISTRY)
    np.testing.assert_array_equal(back["value"].values, ds["value"].values)
    np.testing.assert_array_equal(back["trials"].values, ds["trials"].values)
    with pytest.raises(FileExistsError, match="overwrite"):
        write_panel(ds, path)
    nc = write_panel(ds, tmp_path / "panel.nc")
    assert nc.is_file()
    assert not list(tmp_path.glob("*.tmp"))
    pd.testing.assert_frame_equal(to_frame(back), to_frame(ds))


def test_csv_with_text_cell(tmp_path):
    path = tmp_path / "bad.csv"
    good_frame().to_csv(path, index=False)
    text = path.read_text().replace("0.3", "three tenths")
    path.write_text(text)
    with pytest.raises(PanelValidationError, match="non-numeric.*2002"):
        from_csv(path, REGISTRY)
