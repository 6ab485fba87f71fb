"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``, installed by
``make chromium``) loads it from disk without a console message, and its screenshot shows the page,
the plots and the sequence chart.

How a console error is seen: with ``--enable-logging=stderr`` Chromium writes every console message
of the page (``console.*`` calls, uncaught exceptions, and the refusals of the page's
Content-Security-Policy, which is how a stray external stylesheet, font or image shows up offline) to
stderr as a ``...:CONSOLE:<line>] "<message>", source: <url>`` line — all at level INFO, so the level
cannot tell an error from a log. The report has no script at all, so the rule is strict: no CONSOLE
line whatsoever. A control page with a deliberate error of each kind proves that this Chromium
still reports them that way, so a changed log format fails here instead of passing silently.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from hilbench.report import write_reports
from hilbench.report.msc import COLOURS as MSC_COLOURS
from hilbench.report.plots import COLOURS
from tests.test_report_record import sample_record

CONSOLE = re.compile(r":CONSOLE[:(]")
WIDTH, HEIGHT = 1280, 4200


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Chromium is not installed, so the report cannot be checked in a browser: run `make chromium` "
                "(apt-get install chromium) and try again")


def run_chromium(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr", "--v=0", *args, url]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"headless Chromium did not finish within 120 s: {' '.join(cmd)}")


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


def near(img: np.ndarray, colour: str, tol: float = 0.05) -> np.ndarray:
    rgb = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.all(np.abs(img[..., :3] - rgb) <= tol, axis=-1)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("chromium")
    return write_reports(sample_record(tmp / "campaign"), tmp / "out")["html"]


def test_the_console_check_sees_errors(tmp_path: Path) -> None:
    """The control: a console.error, an uncaught exception and a CSP-refused stylesheet all show."""
    page = tmp_path / "control.html"
    page.write_text(
        "<!DOCTYPE html><html><head>"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\">"
        "<link rel=\"stylesheet\" href=\"https://fonts.example.invalid/font.css\"></head><body><p>x</p>"
        "<script>console.error('control-error'); notDefined();</script></body></html>")
    result = run_chromium(page.as_uri(), tmp_path, "--dump-dom")
    lines = console_lines(result.stderr)
    assert any("control-error" in line for line in lines), result.stderr[-3000:]
    assert any("notDefined is not defined" in line for line in lines), result.stderr[-3000:]
    assert any("fonts.example.invalid" in line and "Content Security Policy" in line for line in lines), \
        result.stderr[-3000:]


def test_report_loads_without_console_messages(report: Path, tmp_path: Path) -> None:
    result = run_chromium(report.as_uri(), tmp_path, "--dump-dom")
    assert result.returncode == 0, result.stderr[-3000:]
    assert console_lines(result.stderr) == []
    dom = result.stdout
    for n, case_id in enumerate(("HB_B_01_CS", "HB_E_01_CS", "HB_Q_05_CS", "HB_K_01_CS", "HB_Q_08_CS", "HB_R_01_CS")):
        assert f'id="case-{n}-{case_id}"' in dom
    assert dom.count("<svg") == 5  # the plots of HB_E_01_CS and HB_Q_05_CS, and 3 sequence charts
    assert dom.count('class="msc"') == 3


def test_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = run_chromium(report.as_uri(), tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}")
    assert result.returncode == 0 and shot.exists(), result.stderr[-3000:]
    assert console_lines(result.stderr) == []
    img = mpimg.imread(shot)
    assert img.shape[:2] == (HEIGHT, WIDTH)

    top = img[:250].reshape(-1, img.shape[-1])
    assert len(np.unique(top, axis=0)) > 10  # the title, the verdict counts and their colours

    line = near(img, COLOURS["measured"][0])  # the plots' measured series
    assert line.sum() > 200
    rows, cols = np.nonzero(line)
    region = img[rows.min():rows.max() + 1, cols.min():cols.max() + 1].reshape(-1, img.shape[-1])
    assert len(np.unique(region, axis=0)) > 20  # axes, ticks, labels, the lines: a plot, not a blank box
    assert near(img, COLOURS["setpoint"][0]).sum() > 100  # the setpoint's step line
    assert near(img, MSC_COLOURS["v2g"]).sum() > 100  # the sequence chart's ISO 15118-20 arrows
