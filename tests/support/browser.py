"""Shared start-up for the browser tests: a real server on a free port over a library, and a
headless Chromium driver with the flags every browser test uses."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(path: str, ready: str, env: dict | None = None, port: int | None = None):
    """Start ``precedent serve`` on ``path``; yield its URL once ``ready`` answers; stop it after.
    ``env`` defaults to the current environment with the real model (PRECEDENT_MODEL empty)."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "precedent", "serve", "--library", path, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=env if env is not None else {**os.environ, "PRECEDENT_MODEL": ""},
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + ready, timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("server died: " + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def chrome(tmp_path):
    """A headless Chromium driver with its profile under ``tmp_path``; the caller quits it."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("chromium and chromium-driver are needed (scripts/test.sh installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path / 'profile'}"]:
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(driver_path), options=opts)


def wait_replaced(driver, element, timeout: float = 30) -> None:
    """Wait until ``element``'s page has been replaced (after a click that posts and reloads).
    Chromium answers for a node of a replaced page with StaleElementReference or, at times, with
    "Node with given id does not belong to the document" (a plain WebDriverException): both mean
    the page was replaced. ``EC.staleness_of`` lets the second through as an error."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def gone(_d) -> bool:
        try:
            element.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    WebDriverWait(driver, timeout).until(gone)
