"""report.html in headless Chromium: no console or script error, every chart drawn.

Needs Debian's chromium and chromium-driver (scripts/go.sh installs both); only where they are
missing, and not in CI, is this skipped. Selenium is pointed at /usr/bin/chromedriver, so it
never downloads a driver.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_report import SAMPLE_PLAN, consumer_scenario, hot_key_scenario

import kinesim

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

# Per chart: its bounding box and the drawn elements inside its <svg>.
CHART_BOXES = """
return Array.from(document.querySelectorAll('figure.chart')).map(f => {
  const svg = f.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const drawn = svg ? svg.querySelectorAll('path, use, image, rect, text, line, polyline').length
                    : 0;
  return {name: f.dataset.chart, width: box.width, height: box.height, drawn: drawn};
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are required in CI")
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian: chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_report(driver: Any, page: Path, screenshot: Path) -> list[dict[str, Any]]:
    """Loads ``page``; fails on any SEVERE console entry or script error; saves a full-page
    screenshot; returns each chart's box and count of drawn elements."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    # Uncaught script errors and failed loads are logged as SEVERE too.
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
    assert driver.execute_script("return document.scripts.length") == 0
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    assert screenshot.stat().st_size > 10_000
    return driver.execute_script(CHART_BOXES)


def assert_all_drawn(charts: list[dict[str, Any]], expected: set[str]) -> None:
    assert {c["name"] for c in charts} == expected
    for c in charts:
        assert c["width"] > 100, c
        assert c["height"] > 100, c
        assert c["drawn"] > 10, c


def test_hot_key_report_renders_every_chart(browser, tmp_path: Path) -> None:
    page = kinesim.report(kinesim.run(hot_key_scenario()), tmp_path / "report.html")
    charts = open_report(browser, page, tmp_path / "hot-key.png")
    assert_all_drawn(
        charts,
        {"throughput", "throttling_heatmap", "put_latency", "capacity", "hot_keys", "cost"},
    )


def test_consumer_report_with_a_plan_renders_every_chart(browser, tmp_path: Path) -> None:
    result = kinesim.run(consumer_scenario())
    out = result.write(tmp_path / "run")
    (out / "plan.json").write_text(json.dumps(SAMPLE_PLAN), encoding="utf-8")
    page = kinesim.report(out)
    charts = open_report(browser, page, tmp_path / "consumers.png")
    assert_all_drawn(
        charts,
        {"throughput", "put_latency", "capacity", "hot_keys", "cost", "consumers", "plan"},
    )
    assert browser.find_element("id", "plan").is_displayed()
