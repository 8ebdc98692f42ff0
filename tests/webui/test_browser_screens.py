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
            browser_support.wait_replaced(driver, card, 20)
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


@pytest.fixture
def stop_server(library, tmp_path):
    """Forty reports, eight about restraint, each with its circumstances and the deceased's age."""
    from index.ingest.pipeline import ingest
    from search.screening.screens import create_screen

    d = tmp_path / "reports"
    d.mkdir()
    for i in range(40):
        concern = TOPICS[0 if i % 5 == 0 else 1 + i % (len(TOPICS) - 1)]
        (d / f"r{i:02d}.txt").write_text(
            "Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO: the Trust\n\n"
            f"CIRCUMSTANCES OF THE DEATH\n\nThe deceased, a {15 + i}-year-old, died on the ward in case {i}. "
            "The inquest heard what had happened over the days before the death in some detail.\n\n"
            f"CORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as follows:\n\n1. {concern} (case {i}).\n\n"
            f"ACTION SHOULD BE TAKEN\n\nDate: {1 + i % 27} March 2020\n")
    ingest(library, [d])
    create_screen(library, "restraint", "a death during a physical hold by prison officers")
    path = str(library.path)
    library.close()
    yield from browser_support.serve(path, "/screens.json")


def test_judge_until_the_page_says_you_may_stop(stop_server, tmp_path):
    """Issue 25: judging what the page proposes, one click each, until it says "You can stop"."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    driver = browser_support.chrome(tmp_path)

    def stop_box() -> tuple[str, str]:
        """(data-recommended, text) of the stop box of a fully loaded page."""
        def read(d):
            if d.execute_script("return document.readyState") != "complete":
                return False
            try:
                box = d.find_element(By.ID, "stop")
                return box.get_attribute("data-recommended"), box.text
            except StaleElementReferenceException:
                return False
        return WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(read)

    try:
        driver.get(stop_server + "/screens/restraint")
        WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "stop")))
        first = driver.find_element(By.ID, "stop")
        assert first.get_attribute("data-recommended") == "no"
        assert "Keep judging" in first.text
        assert "not yet estimable" in driver.find_element(By.ID, "recall").text
        card = driver.find_elements(By.CSS_SELECTOR, "#proposals .proposal")[0]
        assert "aged" in card.find_element(By.CSS_SELECTOR, ".age").text
        assert "What happened:" in card.find_element(By.CSS_SELECTOR, ".what-happened").text
        judged, found, saw_needed = 0, 0, False
        while True:
            recommended, text = stop_box()
            if recommended == "yes":
                break
            saw_needed = saw_needed or "more judgement" in text
            for attempt in range(5):  # the page may still be swapping in its new document: read it again
                try:
                    cards = driver.find_elements(By.CSS_SELECTOR, "#proposals .proposal")
                    assert cards, "nothing left to judge and the page never said it may stop"
                    card = cards[0]
                    relevant = "restrain" in card.text
                    button = card.find_element(By.CSS_SELECTOR, "button.judge-yes" if relevant else "button.judge-no")
                    break
                except (StaleElementReferenceException, WebDriverException):
                    if attempt == 4:
                        raise
                    stop_box()
            button.click()
            browser_support.wait_replaced(driver, card)
            judged += 1
            found += relevant
            assert judged <= 40
        verdict = driver.find_element(By.ID, "stop-verdict").text
        assert "You can stop: at 95% confidence you have found at least 95% of the relevant documents" in verdict
        assert saw_needed  # before it could say so, it said how many more judgements it expected
        assert found == 8  # the truth: every restraint report was found before the page said stop
        driver.save_screenshot(str(tmp_path / "stop.png"))
    finally:
        driver.quit()
