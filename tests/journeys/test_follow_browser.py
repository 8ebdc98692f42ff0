"""Follow-up, end to end (issue 26): headless Chromium follows a search and an organisation from
their pages; a new matching report is ingested while the server runs; the follow pages, the Atom
feed and `precedent follow check` all show it."""
import os
import subprocess
import sys
import urllib.request
from xml.etree import ElementTree as ET

import pytest

import tests.support.browser as browser_support

pytestmark = pytest.mark.browser

REPORT = """REGULATION 28: REPORT TO PREVENT FUTURE DEATHS — {name}

THIS REPORT IS BEING SENT TO:
1. Chief Constable, West Midlands Police

4 CIRCUMSTANCES OF THE DEATH
{name} died after {what}.

5 CORONER'S CONCERNS
The MATTERS OF CONCERN are as follows:
1. {concern}

Dated {date}
"""
FIRST = dict(name="Mary Smith", what="a MARAC meeting", date="6 April 2024",
             concern="Information shared at the MARAC meeting was not minuted and the minutes were never shared.")
OTHER = dict(name="Tom Brown", what="a fall at home", date="2 May 2024",
             concern="The ambulance took four hours to arrive because of handover delays at the hospital.")
NEW = dict(name="Peter Jones", what="a MARAC meeting", date="1 June 2024",
           concern="Information shared at the MARAC meeting was not minuted and the minutes were not shared with agencies.")


def _env():
    return {**os.environ, "PRECEDENT_MODEL": "fake-hashing-384"}


@pytest.fixture
def follow_server(library, tmp_path):
    from index.ingest.pipeline import ingest

    d = tmp_path / "reports"
    d.mkdir()
    for n, r in enumerate((FIRST, OTHER)):
        (d / f"r{n}.txt").write_text(REPORT.format(**r), encoding="utf-8")
    ingest(library, [d])
    path = str(library.path)
    library.close()
    for url in browser_support.serve(path, "/follows.json", env=_env()):
        yield url, path


def test_follow_a_search_and_an_organisation_then_see_a_new_report(follow_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    url, path = follow_server
    driver = browser_support.chrome(tmp_path)
    try:
        driver.get(url + "/search?q=MARAC+meeting+not+minuted")
        driver.find_element(By.CSS_SELECTOR, "#follow-search button").click()
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "no-items")))
        search_follow = driver.current_url.rsplit("/", 1)[-1]
        driver.get(url + "/organisations/west-midlands-police")
        driver.find_element(By.CSS_SELECTOR, "#follow-organisation button").click()
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "no-items")))
        org_follow = driver.current_url.rsplit("/", 1)[-1]
        assert "West Midlands Police" in driver.find_element(By.TAG_NAME, "h2").text

        # a new report arrives while the server runs
        new = tmp_path / "new"
        new.mkdir()
        (new / "peter.txt").write_text(REPORT.format(**NEW), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "precedent", "ingest", str(new), "--library", path],
                              env=_env(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr

        driver.get(f"{url}/follows/{search_follow}")
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "items")))
        rows = driver.find_element(By.ID, "items").text
        assert "Peter Jones" in rows and "New matching document" in rows
        assert "Mary Smith" not in rows and "Tom Brown" not in rows   # there before the follow; not a match
        driver.get(f"{url}/follows/{org_follow}")
        WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "items")))
        assert "New report sent to it" in driver.find_element(By.ID, "items").text
        driver.find_element(By.ID, "feed").click()
        feed = ET.fromstring(urllib.request.urlopen(f"{url}/follows/{search_follow}.atom", timeout=30).read())
        titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")]
        assert len(titles) == 1 and "Peter Jones" in titles[0]
        driver.get(url + "/follows")
        assert "MARAC meeting not minuted" in driver.find_element(By.ID, "follows").text
    finally:
        driver.quit()
    check = subprocess.run([sys.executable, "-m", "precedent", "follow", "check", "--library", path],
                           env=_env(), capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stderr
    assert "MARAC meeting not minuted (search): 1 new" in check.stdout
    # the new report, and (its 56 days long past) its response now overdue
    assert "West Midlands Police (organisation): 2 new" in check.stdout
    assert "New report sent to it" in check.stdout and "Response now overdue" in check.stdout
    assert check.stdout.count("Peter Jones") == 3
