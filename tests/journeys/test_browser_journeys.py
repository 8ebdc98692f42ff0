"""The three journeys of issue 15 in headless Chromium, on a library built by the real ingest
(tests/support/journey_data.py): the reviewer (search -> case -> pack), the trainer (theme -> case ->
pack -> Markdown and PDF exports) and the policy writer (organisation -> commitments ->
overdue -> CSV)."""
import csv
import io
import urllib.request

import pytest

import tests.support.browser as browser_support

import tests.support.journey_data as journey_data

pytestmark = pytest.mark.browser


@pytest.fixture
def server(library, tmp_path):
    journey_data.build(library, tmp_path / "journey")
    path = str(library.path)
    library.close()
    yield from browser_support.serve(path, "/.json")


@pytest.fixture
def driver(tmp_path):
    d = browser_support.chrome(tmp_path)
    yield d
    d.quit()


def _wait(driver, css: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def _click_and_load(driver, element) -> None:
    """Click something that loads a new page, and wait until the old page is gone (its
    elements would otherwise be read, or go stale while being read)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    browser_support.wait_replaced(driver, old, 20)


def _add_to_new_pack(driver, scope, name: str) -> None:
    """Open the "add to pack" menu inside ``scope`` and add the item to a new pack ``name``."""
    from selenium.webdriver.common.by import By

    scope.find_element(By.CSS_SELECTOR, "details.add-pack summary").click()
    box = scope.find_element(By.NAME, "new_pack")
    box.send_keys(name)
    scope.find_element(By.CSS_SELECTOR, "form.add-pack-form button").click()


def _fetch(href: str) -> bytes:
    with urllib.request.urlopen(href, timeout=30) as r:
        return r.read()


def test_reviewer_search_case_pack(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    driver.get(server + "/")
    assert "Has this happened before?" in driver.find_element(By.ID, "questions").text
    box = driver.find_element(By.NAME, "q")
    box.send_keys("MARAC meeting not minuted")
    box.submit()
    _wait(driver, "#results .result")
    first = driver.find_element(By.CSS_SELECTOR, "#results .result")
    assert "MARAC" in first.text
    first.find_element(By.CSS_SELECTOR, "a.case-link").click()
    _wait(driver, "#story")
    title = driver.find_element(By.TAG_NAME, "h2").text
    assert "was known to the MARAC" in driver.find_element(By.CSS_SELECTOR, "#story blockquote").text
    _add_to_new_pack(driver, driver.find_element(By.ID, "case-pack"), "Review: MARAC minutes")
    _wait(driver, "article.story")
    assert "Review: MARAC minutes" in driver.find_element(By.TAG_NAME, "h2").text
    assert title in driver.find_element(By.CSS_SELECTOR, "article.story h3").text
    # a second hit goes into the same pack, chosen from the menu (no ids typed)
    driver.get(server + "/search?q=ligature+points+ward")
    _wait(driver, "#results .result")
    hit = driver.find_element(By.CSS_SELECTOR, "#results .result")
    hit.find_element(By.CSS_SELECTOR, "details.add-pack summary").click()
    from selenium.webdriver.support.ui import Select

    Select(hit.find_element(By.NAME, "pack")).select_by_visible_text("Review: MARAC minutes")
    hit.find_element(By.CSS_SELECTOR, "form.add-pack-form button").click()
    _wait(driver, "article.story")
    assert len(driver.find_elements(By.CSS_SELECTOR, "article.story")) == 2
    driver.save_screenshot(str(tmp_path / "reviewer-pack.png"))


def test_trainer_theme_case_exports(server, driver, tmp_path):
    from pypdf import PdfReader
    from selenium.webdriver.common.by import By

    driver.get(server + "/themes")
    _wait(driver, "main a[href^='/themes/']")
    driver.find_element(By.CSS_SELECTOR, "main a[href^='/themes/']").click()
    _wait(driver, "a.case-link")
    # the trainer names the theme; the form lands back on the theme page, not on JSON
    driver.find_element(By.XPATH, "//details/summary[contains(., 'Edit this theme')]").click()
    label = driver.find_element(By.CSS_SELECTOR, "form[action$='/rename'] input[name=label]")
    label.clear()
    label.send_keys("Teaching theme")
    _click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form[action$='/rename'] button"))
    _wait(driver, "a.case-link")
    assert driver.find_element(By.TAG_NAME, "h2").text == "Teaching theme"
    driver.find_element(By.CSS_SELECTOR, "a.case-link").click()
    _wait(driver, "#story")
    account = driver.find_element(By.CSS_SELECTOR, "#story blockquote").text
    source = driver.find_element(By.CSS_SELECTOR, "#story a.source-url").get_attribute("href")
    assert source.startswith("https://www.judiciary.uk/")
    _add_to_new_pack(driver, driver.find_element(By.ID, "case-pack"), "Teaching pack")
    _wait(driver, "article.story")
    md_href = driver.find_element(By.ID, "export-md").get_attribute("href")
    pdf_href = driver.find_element(By.ID, "export-pdf").get_attribute("href")
    md = _fetch(md_href).decode("utf-8")
    assert md.startswith("# Teaching pack")
    assert account.split(".")[0] in md and source in md
    assert "127.0.0.1" not in md  # no base URL configured: no links to this machine
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(_fetch(pdf_href))).pages)
    assert account.split(".")[0] in pdf_text and source.rstrip("/") in pdf_text
    driver.save_screenshot(str(tmp_path / "trainer-pack.png"))


def test_policy_writer_organisation_commitments_overdue_csv(server, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(server + "/organisations")
    _wait(driver, "#organisations")
    driver.find_element(By.PARTIAL_LINK_TEXT, "West Midlands Police").click()
    _wait(driver, "#counts")
    assert "West Midlands Police" in driver.find_element(By.TAG_NAME, "h2").text
    driver.find_element(By.LINK_TEXT, "promised by it").click()
    _wait(driver, "#ledger")
    Select(driver.find_element(By.NAME, "overdue")).select_by_value("yes")
    _click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button"))
    _wait(driver, "#ledger tr.overdue")
    rows = driver.find_elements(By.CSS_SELECTOR, "#ledger tr.overdue")
    assert rows and all("overdue" in r.text for r in rows)
    assert "minute takers" in driver.find_element(By.ID, "ledger").text
    csv_href = driver.find_element(By.LINK_TEXT, "CSV").get_attribute("href")
    assert "overdue=yes" in csv_href
    table = list(csv.DictReader(io.StringIO(_fetch(csv_href).decode("utf-8"))))
    assert table and all(r["overdue"] == "yes" for r in table)
    assert any("minute takers" in r["text"] for r in table)
    assert all("West Midlands Police" in r["organisations"] for r in table)
    driver.save_screenshot(str(tmp_path / "policy-overdue.png"))
