"""The HTML report of a campaign record: every case with its verdict, the summary counts, the
measurements, the inline SVG plots and charts, and nothing that needs the network."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from hilbench.report import html_report, load_record, write_reports
from hilbench.report.html import MSC_VERDICTS
from tests.test_report_record import T_BASE, boot_case, charge_case, one_hour_record, sample_record, write_record


class Page(HTMLParser):
    """What a browser would fetch or run, and where each case's section and SVGs are."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.scripts = 0
        self.section: str | None = None
        self.svgs: dict[str, list[str]] = {}
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "id" in a and tag != "svg" and a["id"]:
            self.ids.append(a["id"])
        for key in ("src", "href", "xlink:href", "data", "poster", "srcset", "action"):
            if a.get(key):
                self.urls.append((tag, key, a[key] or ""))
        if tag == "script":
            self.scripts += 1
        if tag == "section" and "case" in (a.get("class") or ""):
            self.section = a.get("id")
        if tag == "svg" and self.section:
            self.svgs.setdefault(self.section, []).append(a.get("class") or "plot")


def parse(text: str) -> Page:
    p = Page()
    p.feed(text)
    return p


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    tmp = tmp_path_factory.mktemp("html")
    out = write_reports(sample_record(tmp / "campaign"), tmp / "out")
    return out["html"].read_text(encoding="utf-8"), out["html"]


def _section(text: str, anchor_prefix: str) -> str:
    m = re.search(rf'<section class="case [^"]*" id="({anchor_prefix}[^"]*)">(.*?)</section>', text, re.S)
    assert m, anchor_prefix
    return m.group(2)


def test_every_case_with_its_verdict(report: tuple[str, Path]) -> None:
    text, _ = report
    expected = {"HB_B_01_CS": "pass", "HB_E_01_CS": "pass", "HB_Q_05_CS": "fail", "HB_K_01_CS": "error",
                "HB_Q_08_CS": "inconclusive", "HB_R_01_CS": "skipped"}
    for n, (case_id, verdict) in enumerate(expected.items()):
        body = _section(text, f"case-{n}-{case_id}")
        assert f'<span class="badge v-{verdict}">{verdict}</span>' in body
        assert case_id in body
        assert re.search(rf'<a href="#case-{n}-{case_id}" class="mono">{case_id}</a>', text)
    assert "V2X setpoint from the CSMS: discharge 7 kW" in text


def test_summary_counts_per_verdict_and_per_block(report: tuple[str, Path]) -> None:
    text, _ = report
    totals = re.findall(r'<div class="total"><b[^>]*>(\d+)</b><span class="badge v-(\w+)">', text)
    assert dict((v, int(n)) for n, v in totals) == {"pass": 2, "fail": 1, "error": 1, "inconclusive": 1, "skipped": 1}
    row_q = re.search(r"<tr><td>Q</td>(.*?)</tr>", text).group(1)
    assert [int(n) for n in re.findall(r">(\d+)<", row_q)] == [2, 0, 1, 0, 1, 0]


def test_case_details(report: tuple[str, Path]) -> None:
    text, _ = report
    body = _section(text, "case-2-HB_Q_05_CS")
    assert '<div class="reason">discharge power -6500 W outside [-7140, -6860] W 5 s after the setpoint</div>' in body
    assert "<dd>Q05</dd>" in body and "Q05.FR.01, Q05.FR.04" in body
    assert re.search(r"<td>discharge_power</td><td class=\"n\">-6500</td><td>W</td><td>\[-7140, -6860\] W</td>"
                     r"<td class=\"o-fail\">fail</td>", body)
    assert '<td class="o-marginal">marginal</td>' in body
    assert '<a class="mono" href="../campaign/trace/HB_Q_05_CS.jsonl">trace/HB_Q_05_CS.jsonl</a> (140 lines)' in body
    assert "hilbench VC-22-BPT, firmware 0.1.0, serial SN-0001 (boot reason PowerUp)" in text
    assert "slow-setpoint-ramp" in text and "[::1]:50123" in text and "abc1234def5678" in text


def test_inline_svg_plots_and_charts(report: tuple[str, Path]) -> None:
    text, _ = report
    page = parse(text)
    svgs = page.svgs
    assert svgs["case-1-HB_E_01_CS"] == ["plot"]  # a pass with series: its plot, no chart
    assert svgs["case-2-HB_Q_05_CS"] == ["plot", "msc"]
    assert svgs["case-3-HB_K_01_CS"] == ["msc"]  # an error without series: the chart alone
    assert svgs["case-4-HB_Q_08_CS"] == ["msc"]
    assert "case-0-HB_B_01_CS" not in svgs and "case-5-HB_R_01_CS" not in svgs
    body = _section(text, "case-2-HB_Q_05_CS")
    for name in ("measured power", "power setpoint (setpoint)", "lower limit (limit)", "measured current",
                 "measured voltage", "time since the case started (s)"):
        assert name in body  # text stays text (svg.fonttype none)
    assert "<!DOCTYPE svg" not in text and "<?xml" not in text


def test_opens_offline(report: tuple[str, Path]) -> None:
    """Nothing to fetch (only in-page anchors and links to the trace files), nothing to run, and a
    Content-Security-Policy that makes a browser refuse anything else."""
    text, _ = report
    page = parse(text)
    assert page.scripts == 0
    for tag, key, url in page.urls:
        if url.startswith("#"):
            continue  # inside the page (anchors, SVG markers)
        assert tag == "a" and key == "href" and url.endswith(".jsonl") and "://" not in url, (tag, key, url)
    assert "@import" not in text
    assert set(re.findall(r"\w+://[^\"' )<]*", text)) == {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'' in text


def test_element_ids_are_unique(report: tuple[str, Path]) -> None:
    """Several matplotlib SVGs in one page: their clip-path ids must not collide."""
    text, _ = report
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids))


def test_record_text_is_escaped(tmp_path: Path) -> None:
    c, trace = boot_case(T_BASE)
    c.update(title="<script>alert(1)</script>", verdict="fail", reason="a < b & c")
    c["measurements"][0]["name"] = "<img src=x>"
    path = write_record(tmp_path, [(c, trace)])
    text = html_report(load_record(path))
    assert "<script>" not in text and "<img src=x>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "a &lt; b &amp; c" in text
    assert parse(text).scripts == 0


def test_odd_series_names_stay_as_written(tmp_path: Path) -> None:
    """A $ would start matplotlib's mathtext, a leading _ would hide the line from the legend."""
    c, trace = charge_case(T_BASE)
    c["series"][0]["name"] = "_cost in $ per kWh"
    c["series"][1]["name"] = "a $x^2$ b"
    text = html_report(load_record(write_record(tmp_path, [(c, trace)])))
    assert "_cost in $ per kWh" in text and "a $x^2$ b (setpoint)" in text


def test_msc_only_for_cases_that_did_not_pass(tmp_path: Path) -> None:
    drawn: list[str] = []

    def chart(case: Any) -> str:
        drawn.append(case.verdict)
        return '<svg class="msc"></svg>'
    html_report(load_record(sample_record(tmp_path)), chart=chart, plot=lambda c: None)
    assert sorted(drawn) == sorted(v for v in ("fail", "error", "inconclusive") if v in MSC_VERDICTS)


def test_a_failed_case_without_trace_lines(tmp_path: Path) -> None:
    c, _ = boot_case(T_BASE)
    c.update(verdict="error", reason="the DUT never connected", trace={"file": "trace/HB_B_01_CS.jsonl", "lines": 0})
    path = write_record(tmp_path, [(c, [])])
    text = html_report(load_record(path))
    assert "No trace lines recorded for this case." in text


def test_aborted_campaign_says_so(tmp_path: Path) -> None:
    path = write_record(tmp_path, [boot_case(T_BASE)], aborted="interrupted (Ctrl-C): outputs off")
    assert '<p class="aborted"><b>The campaign stopped early:</b> interrupted (Ctrl-C): outputs off</p>' in \
        html_report(load_record(path))


def test_one_hour_record_renders_small(tmp_path: Path) -> None:
    """Series of 36,000 points per line are cut to at most 2,000 before plotting; the chart reads
    the trace's end only."""
    out = write_reports(one_hour_record(tmp_path / "campaign"), tmp_path / "out")
    text = out["html"].read_text()
    assert len(text) < 600_000
    body = _section(text, "case-1-HB_Q_06_CS")
    assert "DC_ChargeLoopReq ×" in body and "MeterValues" in body and "GetVariables" in body
    assert "HB_Q_06_CS: fail — export energy off by 2.1 %" in body
    assert "1 h 00 min 00 s" in body


def test_same_record_same_bytes(tmp_path: Path) -> None:
    path = sample_record(tmp_path)
    record = load_record(path)
    assert html_report(record) == html_report(record)
