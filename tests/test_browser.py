"""One real browser test: headless Chromium opens the page, submits a query, sees results."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(filled_library):
    path = str(filled_library.path)
    filled_library.close()
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "precedent", "serve", "--library", path, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PRECEDENT_MODEL": ""},
    )
    url = f"http://127.0.0.1:{port}"
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


def test_search_in_headless_chromium(server, tmp_path):
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
    try:
        driver.get(server + "/")
        box = driver.find_element(By.NAME, "q")
        box.send_keys("MARAC meeting not minuted")
        box.submit()
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results .result")))
        results = driver.find_elements(By.CSS_SELECTOR, "#results .result")
        assert results
        assert "MARAC" in results[0].text
        assert driver.find_elements(By.CSS_SELECTOR, "#results mark")
        driver.save_screenshot(str(tmp_path / "search.png"))
        driver.find_element(By.CSS_SELECTOR, "#results .docgroup h3 a").click()
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".findings .row")))
        driver.back()
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#results .result")))
        driver.find_element(By.LINK_TEXT, "in place").click()
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "mark.current")))
    finally:
        driver.quit()
