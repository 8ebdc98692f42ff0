"""One real browser test: headless Chromium opens the page, submits a query, sees results."""

import pytest

import tests.support.browser as browser_support

pytestmark = pytest.mark.browser


@pytest.fixture
def server(filled_library):
    path = str(filled_library.path)
    filled_library.close()
    yield from browser_support.serve(path, "/search.json?q=x")


def test_search_in_headless_chromium(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser_support.chrome(tmp_path)
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
