"""Headless Chromium pages through search results (marked browser)."""
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.browser

PORT = 5111  # this helper's port range (5110-5119)


@pytest.fixture
def server(library, tmp_path):
    from index.ingest import ingest

    d = tmp_path / "many"
    d.mkdir()
    for i in range(30):
        (d / f"r{i:02d}.txt").write_text(
            "Regulation 28 Report to Prevent Future Deaths\n\nCORONER'S CONCERNS\n\n"
            f"1. The safeguarding referral number {i} was not answered by team {i * 7} for {i + 2} weeks.\n")
    ingest(library, [d])
    path = str(library.path)
    library.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "precedent", "serve", "--library", path, "--port", str(PORT)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PRECEDENT_MODEL": ""},
    )
    url = f"http://127.0.0.1:{PORT}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/search.json?q=x", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("server died: " + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_paging_through_results_in_headless_chromium(server, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("chromium and chromium-driver are needed (scripts/test.sh installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]:
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    wait = WebDriverWait(driver, 20)
    try:
        driver.get(server + "/search?q=safeguarding+referral+answered&per_page=5")
        wait.until(EC.presence_of_element_located((By.ID, "range")))
        assert driver.find_element(By.ID, "range").text.startswith("Results 1–5 of")
        first = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#results .result")]
        assert len(first) == 5
        assert all(e.get_attribute("data-strength") in ("close", "related", "weak")
                   for e in driver.find_elements(By.CSS_SELECTOR, "#results .result"))
        driver.find_element(By.PARTIAL_LINK_TEXT, "next").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "range"), "Results 6–10 of"))
        second = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#results .result")]
        assert len(second) == 5 and not set(first) & set(second)
        driver.find_element(By.PARTIAL_LINK_TEXT, "previous").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "range"), "Results 1–5 of"))
        assert [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#results .result")] == first
    finally:
        driver.quit()
