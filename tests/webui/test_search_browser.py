"""Headless Chromium pages through search results (marked browser)."""

import pytest

import tests.support.browser as browser_support

pytestmark = pytest.mark.browser


@pytest.fixture
def server(library, tmp_path):
    from index.ingest.pipeline import ingest

    d = tmp_path / "many"
    d.mkdir()
    for i in range(30):
        (d / f"r{i:02d}.txt").write_text(
            "Regulation 28 Report to Prevent Future Deaths\n\nCORONER'S CONCERNS\n\n"
            f"1. The safeguarding referral number {i} was not answered by team {i * 7} for {i + 2} weeks.\n")
    ingest(library, [d])
    path = str(library.path)
    library.close()
    yield from browser_support.serve(path, "/search.json?q=x")


def test_paging_through_results_in_headless_chromium(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser_support.chrome(tmp_path)
    wait = WebDriverWait(driver, 20)
    try:
        driver.get(server + "/search?q=safeguarding+referral+answered&per_page=5")
        wait.until(EC.presence_of_element_located((By.ID, "range")))
        assert driver.find_element(By.ID, "range").text.startswith("Results 1–5 of")
        first = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#results .result")]
        # a page holds 5 cases (documents), each with its best hits
        assert len(driver.find_elements(By.CSS_SELECTOR, "#results .docgroup")) == 5 and len(first) >= 5
        assert all(e.get_attribute("data-strength") in ("close", "related", "weak")
                   for e in driver.find_elements(By.CSS_SELECTOR, "#results .result"))
        driver.find_element(By.PARTIAL_LINK_TEXT, "next").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "range"), "Results 6–10 of"))
        second = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#results .result")]
        assert len(driver.find_elements(By.CSS_SELECTOR, "#results .docgroup")) == 5
        assert len(second) >= 5 and not set(first) & set(second)
        driver.find_element(By.PARTIAL_LINK_TEXT, "previous").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "range"), "Results 1–5 of"))
        assert [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#results .result")] == first
    finally:
        driver.quit()
