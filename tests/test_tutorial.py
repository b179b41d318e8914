"""Every Python block of docs/tutorial.md runs, in order, in one namespace (with few draws)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

TUTORIAL = Path(__file__).parents[1] / "docs" / "tutorial.md"
#: The tutorial's sampler settings and the tiny ones the test uses instead.
FEWER_DRAWS = {r"draws=1200": "draws=60", r"tune=700": "tune=100"}


def python_blocks(text: str) -> list[str]:
    """The fenced ```python blocks of a Markdown text."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_tutorial_has_its_sections_and_blocks():
    text = TUTORIAL.read_text()
    for heading in (
        "Fit the model",
        "Read the forecast",
        "What tension means",
        "Compare two",
        "Bring your own panel",
    ):
        assert heading in text, heading
    blocks = python_blocks(text)
    assert len(blocks) >= 5
    assert all("draws=1200" not in b or "tune=700" in b for b in blocks)


@pytest.mark.slow
def test_every_python_block_runs(real_panel, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, block in enumerate(python_blocks(TUTORIAL.read_text())):
        for pattern, tiny in FEWER_DRAWS.items():
            block = re.sub(pattern, tiny, block)
        try:
            exec(compile(block, f"tutorial block {i + 1}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            raise AssertionError(f"tutorial block {i + 1} failed: {exc!r}\n{block}") from exc
        finally:
            plt.close("all")
    assert (tmp_path / "forecast_fan.png").stat().st_size > 20_000
    assert (tmp_path / "my_panel.csv").is_file()
    assert namespace["plotting"].text_problems(namespace["fig"]) == []


def _subparsers(parser):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            return action.choices
    return {}


def test_cli_page_documents_every_subcommand_and_option():
    from causal_model.app.cli import build_parser

    text = (TUTORIAL.parent / "cli.md").read_text()
    commands = _subparsers(build_parser())
    assert set(commands) >= {"data", "priors", "run", "fit", "forecast", "compare", "report"}
    for name, sub in commands.items():
        assert f"## {name}" in text, name
        parsers = [sub, *_subparsers(sub).values()]
        for p in parsers:
            for action in p._actions:
                for opt in action.option_strings:
                    if opt.startswith("--") and opt != "--help":
                        assert opt in text, f"{name} {opt}"
