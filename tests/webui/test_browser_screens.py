"""Headless Chromium judges three documents of a screen with one click each and sees the
ranking change (issue 12)."""

import pytest

import tests.support.browser as browser_support

pytestmark = pytest.mark.browser

TOPICS = [
    "prison officers restrained him face down and restraint training had lapsed",
    "police used prolonged restraint in the custody suite and nobody monitored his breathing",
    "the ambulance took four hours to arrive because of handover delays",
    "ligature points on the ward were not removed after the audit",
    "the junction had poor visibility and the hedge was not cut back",
    "the care home did not weigh the resident and malnutrition went unnoticed",
]


@pytest.fixture
def screen_server(library, tmp_path):
    from index.ingest.pipeline import ingest
    from search.screening.screens import create_screen

    d = tmp_path / "reports"
    d.mkdir()
    for i in range(24):
        (d / f"r{i:02d}.txt").write_text(
            "Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO: the Trust\n\n"
            f"CORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as follows:\n\n1. {TOPICS[i % len(TOPICS)]} (case {i}).\n\n"
            f"ACTION SHOULD BE TAKEN\n\nDate: {1 + i} March 2020\n")
    ingest(library, [d])
    create_screen(library, "restraint", "a death during a physical hold")
    path = str(library.path)
    library.close()
    yield from browser_support.serve(path, "/screens.json")


def test_judge_three_documents_and_see_the_ranking_change(screen_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser_support.chrome(tmp_path)

    def ranking() -> list[str]:
        rows = driver.find_elements(By.CSS_SELECTOR, "#ranking tr[data-id]")
        return [r.get_attribute("data-id") for r in rows]

    def loaded() -> None:
        """The new page is fully parsed: its ranking table is whole."""
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
            and len(d.find_elements(By.CSS_SELECTOR, "#ranking tr[data-id]")) == 24)

    try:
        driver.get(screen_server + "/screens")
        driver.find_element(By.LINK_TEXT, "restraint").click()
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#proposals .proposal")))
        loaded()
        before = ranking()
        assert len(before) == 24
        judged = []
        for _ in range(3):
            card = driver.find_elements(By.CSS_SELECTOR, "#proposals .proposal")[0]
            doc_id = card.get_attribute("data-id")
            relevant = "restrain" in card.text
            button = card.find_element(By.CSS_SELECTOR, "button.judge-yes" if relevant else "button.judge-no")
            button.click()  # one click: the form posts, the page comes back re-ranked
            WebDriverWait(driver, 20).until(EC.staleness_of(card))
            loaded()
            judged.append(doc_id)
            assert doc_id not in [c.get_attribute("data-id")
                                  for c in driver.find_elements(By.CSS_SELECTOR, "#proposals .proposal")]
        assert driver.find_element(By.CSS_SELECTOR, "#progress b").text == "3"
        after = ranking()
        assert sorted(after) == sorted(before) and after != before  # same documents, new order
        labels = {r.get_attribute("data-id"): r.find_elements(By.TAG_NAME, "td")[1].text
                  for r in driver.find_elements(By.CSS_SELECTOR, "#ranking tr[data-id]")}
        assert all(labels[d] in ("yes", "no") for d in judged)
        driver.save_screenshot(str(tmp_path / "screen.png"))
    finally:
        driver.quit()
