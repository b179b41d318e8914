"""`causal-model report` end to end (--quick) and the report checked in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from causal_model.app.cli import main

ARTIFACTS = Path(
    os.environ.get("CAUSAL_MODEL_ARTIFACTS", Path(__file__).parents[1] / "test-artifacts")
)
CHECK_PAGE = """<!DOCTYPE html><html><body><div id="result">pending</div>
<iframe id="f" src="report.html" style="width:1200px;height:900px"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {
  var imgs = Array.from(this.contentDocument.images);
  var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length;
  document.getElementById('result').textContent = 'images=' + imgs.length + ' broken=' + bad;
});
</script></body></html>"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def report_dir(real_panel, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    argv = ["report", "--out", str(out), "--quick", "--quiet", "--variants", "reference,no_elite"]
    assert main(argv) == 0
    return out


def test_report_is_one_self_contained_file(report_dir):
    text = (report_dir / "report.html").read_text()
    for section in (
        "The question and the model",
        "Data coverage",
        "Convergence diagnostics",
        "Forecast to 2030",
        "decomposition",
        "impulse response",
        "scorecard",
        "Variant comparison",
        "Scenarios",
        "Reproducibility",
        "How to read tension",
        "Indicators: data, fit and forecast",
        "Latent drivers",
        "Parameters: prior and posterior",
        "Posterior predictive check",
    ):
        assert section in text, section
    sources = re.findall(r'<img[^>]*src="([^"]+)"', text)
    assert len(sources) >= 9 and all(s.startswith("data:image/png;base64,") for s in sources)
    # a quick run says so, and the record says what ran
    assert "QUICK RUN: smoke test, not inference" in text
    assert "draws = 100" in text and "draws = 1200" not in text
    assert "data SHA-256" in text and "commit" in text and "panel_sha256" in text
    assert "geometric mean" in text and "Pareto k" in text and "0.7" in text
    assert "R-hat compares the chains" in text
    assert "Monte Carlo" in text
    assert "http://" not in text and "https://" not in text  # readable offline
    assert 'class="fail"' in text  # --quick draws fail the checks, and the report says so
    assert (report_dir / "run_config.toml").is_file() and (report_dir / "compare.csv").is_file()


def test_report_renders_in_headless_chromium(report_dir):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    (report_dir / "_check.html").write_text(CHECK_PAGE)
    flags = [browser, "--headless=new", "--no-sandbox", "--disable-gpu"]
    run = subprocess.run(
        [
            *flags,
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
            (report_dir / "_check.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r"images=(\d+) broken=(\d+)", run.stdout)
    assert found, run.stdout[-500:] + run.stderr[-500:]
    n_img, broken = map(int, found.groups())
    assert n_img >= 9 and broken == 0
    console = [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln]
    errors = [ln for ln in console if re.search(r"error|uncaught|failed", ln, re.I)]
    assert not errors, errors
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    subprocess.run(
        [
            *flags,
            f"--screenshot={shot}",
            "--window-size=1200,3000",
            (report_dir / "report.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 50_000


def test_report_reuses_what_exists(report_dir, capsys):
    # model.nc and compare.csv exist: no refit, only the report (and --force to replace it)
    assert main(["report", "--out", str(report_dir), "--quick", "--quiet"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["report", "--out", str(report_dir), "--quick", "--force"]) == 0
    out = capsys.readouterr().out
    assert "using the fitted model" in out and "fitting" not in out
