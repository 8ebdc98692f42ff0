"""Headless Chromium against a real server (issue 16): the app's own forms work with the CSRF
guard on, and a page on another site that auto-submits a form to delete a pack is refused."""
import http.server
import json
import os
import threading
import urllib.request

import pytest

import tests.support.browser as browser_support
import tests.support.hostile_data as hostile_data

pytestmark = pytest.mark.browser


@pytest.fixture
def server(library, tmp_path):
    hostile_data.build_themed(library, tmp_path / "reports")
    path = str(library.path)
    library.close()
    yield from browser_support.serve(path, "/collections.json", env=dict(os.environ))


@pytest.fixture
def evil_site(tmp_path):
    """Another site (localhost on another port: a different origin and site from 127.0.0.1)."""
    root = tmp_path / "evil"
    root.mkdir()
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://localhost:{httpd.server_address[1]}"
    httpd.shutdown()


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def test_forms_work_and_cross_site_forms_do_not(server, evil_site, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser_support.chrome(tmp_path)
    wait = WebDriverWait(driver, 20)
    try:
        # the app's own forms: create a pack, add a document, rename a theme
        driver.get(server + "/collections")
        driver.find_element(By.NAME, "name").send_keys("Professional curiosity")
        driver.find_element(By.CSS_SELECTOR, "form.search button").click()
        wait.until(EC.title_contains("Professional curiosity"))
        pack = int(driver.current_url.rstrip("/").rsplit("/", 1)[-1])
        doc = _get(server + "/documents.json")["documents"][0]["id"]
        driver.get(f"{server}/cases/{doc}")  # the case page's own "add to pack" form
        box = driver.find_element(By.ID, "case-pack")
        box.find_element(By.CSS_SELECTOR, "details.add-pack summary").click()
        from selenium.webdriver.support.ui import Select
        Select(box.find_element(By.CSS_SELECTOR, "select[name=pack]")).select_by_value(str(pack))
        box.find_element(By.CSS_SELECTOR, "form.add-pack-form button").click()
        wait.until(EC.url_contains(f"/collections/{pack}"))
        assert _get(f"{server}/collections/{pack}.json")["total"] == 1
        theme = _get(server + "/themes.json")["themes"][0]["id"]
        driver.get(f"{server}/themes/{theme}")
        driver.find_element(By.XPATH, "//summary[contains(., 'Edit this theme')]").click()
        box = driver.find_element(By.CSS_SELECTOR, "form[action$='/rename'] input[name=label]")
        box.clear()
        box.send_keys("Minutes not shared")
        box.submit()
        wait.until(lambda d: _get(f"{server}/themes/{theme}.json")["label"] == "Minutes not shared")

        # another site's page posts a form to delete the pack as soon as it loads
        root, evil = evil_site
        (root / "delete.html").write_text(
            f'<form id="f" method="post" action="{server}/collections/{pack}/delete"></form>'
            '<script>document.getElementById("f").submit()</script>')
        (root / "rename.html").write_text(
            f'<form id="f" method="post" action="{server}/themes/{theme}/rename"><input name="label" value="pwned">'
            '</form><script>document.getElementById("f").submit()</script>')
        driver.get(evil + "/delete.html")
        wait.until(lambda d: d.current_url.startswith(server))
        assert "403" in driver.page_source
        assert _get(f"{server}/collections/{pack}.json")["total"] == 1, "the pack survived"
        driver.get(evil + "/rename.html")
        wait.until(lambda d: d.current_url.startswith(server))
        assert "403" in driver.page_source
        assert _get(f"{server}/themes/{theme}.json")["label"] == "Minutes not shared"

        # and the app's own delete button still works
        driver.get(f"{server}/collections/{pack}")
        driver.find_element(By.XPATH, "//button[contains(., 'Delete this pack')]").click()
        wait.until(lambda d: d.current_url.rstrip("/").endswith("/collections"))
        with pytest.raises(urllib.error.HTTPError):
            _get(f"{server}/collections/{pack}.json")
    finally:
        driver.quit()
