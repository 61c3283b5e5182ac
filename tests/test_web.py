"""The search page at / and the docs at /docs in a real browser: Debian's headless Chromium, driven by Selenium,
against the app served from a thread on 127.0.0.1 and the sample corpus in a throw-away alias."""
from __future__ import annotations

import json
import socket
import threading
import uuid
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.serving import make_server

from api import create_app
from indexer.jobs import index_paths
from tests.conftest import SAMPLES, drop_indices

pytestmark = [pytest.mark.engine, pytest.mark.browser]

# Debian's packages (`make test` installs them). Giving both paths keeps Selenium Manager from downloading anything.
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 30

# Markup in an article must reach the reader as text: only the API's <mark> tags become elements. (The indexer
# strips real tags; escaped ones survive cleanup as tags in the text, which the API escapes again.)
MARKUP_ARTICLE = {"id": "web-markup", "source": "akhbar-daily", "published_at": "2026-11-14T09:00:00Z",
                  "title": "خبر عاجل عن الطوابع &lt;i&gt;النادرة&lt;/i&gt;",
                  "body": "وصف الطوابع البريدية &lt;img src=/x onerror=document.title=1&gt; وعلامة 3 &lt; 5."}


@contextmanager
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(es, base_settings, tmp_path_factory):
    settings = replace(base_settings, index_alias=f"test-web-{uuid.uuid4().hex[:8]}", index_workers=0)
    extra = tmp_path_factory.mktemp("web") / "markup.jsonl"
    extra.write_text(json.dumps(MARKUP_ARTICLE, ensure_ascii=False) + "\n", encoding="utf-8")
    index_paths(es, settings, [SAMPLES, extra], progress=False)
    try:
        with served(create_app(settings)) as url:
            yield url
    finally:
        drop_indices(es, settings.index_alias)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver (make test does)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--lang=ar", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-default-apps", "--disable-sync"):
        options.add_argument(argument)
    # Every request the pages make, from the DevTools network events: the no-outside-request test reads them.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


def settle(driver, previous_url=None):
    """Wait until the page has rendered an outcome (and, after a click, until the URL changed)."""
    from selenium.webdriver.support.ui import WebDriverWait

    def done(d):
        if previous_url is not None and d.current_url == previous_url:
            return False
        state = d.execute_script("return document.getElementById('app').dataset.state")
        return state if state and state != "loading" else False

    return WebDriverWait(driver, WAIT_SECONDS).until(done)


def open_page(driver, url):
    driver.get(url)
    return settle(driver)


def query(driver):
    return parse_qs(urlsplit(driver.current_url).query)


def total(driver):
    from selenium.webdriver.common.by import By

    return int(driver.find_element(By.ID, "total").get_attribute("data-total"))


def hit_ids(driver):
    from selenium.webdriver.common.by import By

    return [hit.get_attribute("data-id") for hit in driver.find_elements(By.CSS_SELECTOR, ".hit")]


def test_page_is_arabic_and_right_to_left(browser, site):
    from selenium.webdriver.common.by import By

    assert open_page(browser, site + "/") == "results"
    root = browser.find_element(By.TAG_NAME, "html")
    assert root.get_attribute("dir") == "rtl" and root.get_attribute("lang") == "ar"
    results = browser.find_element(By.ID, "results")
    filters = browser.find_element(By.CSS_SELECTOR, "aside.filters")
    assert results.value_of_css_property("direction") == "rtl"
    assert filters.rect["x"] > results.rect["x"]  # the filters come first, on the right
    title = browser.find_element(By.CSS_SELECTOR, ".hit-title a")
    # Right-aligned text: the title ends flush with the right edge of its column.
    assert abs((title.rect["x"] + title.rect["width"]) - (results.rect["x"] + results.rect["width"])) < 4
    assert total(browser) == 45 and len(hit_ids(browser)) == 10


def test_query_shows_highlights_and_escapes_markup(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, site + "/")
    before = browser.current_url
    box = browser.find_element(By.ID, "q")
    box.send_keys("الهجرة", Keys.ENTER)  # the keyboard alone runs a search
    assert settle(browser, before) == "results"
    assert query(browser)["q"] == ["الهجرة"]
    assert set(hit_ids(browser)) == {"sample-029", "sample-030", "sample-032"}
    title_marks = browser.find_elements(By.CSS_SELECTOR, ".hit-title mark")
    snippet_marks = browser.find_elements(By.CSS_SELECTOR, ".snippet mark")
    assert title_marks and snippet_marks
    assert all("هجرة" in mark.text for mark in title_marks + snippet_marks)  # والهجرة, للهجرة: by stem

    open_page(browser, site + "/?q=الطوابع")
    assert hit_ids(browser) == ["web-markup"]
    title = browser.find_element(By.CSS_SELECTOR, ".hit-title a")
    assert "<i>النادرة</i>" in title.text  # shown as text …
    snippet = browser.find_element(By.CSS_SELECTOR, ".snippet").text
    assert "<img src=/x onerror=document.title=1>" in snippet and "3 < 5" in snippet
    assert not browser.find_elements(By.CSS_SELECTOR, ".hit i, .hit img")  # … never made into elements
    assert browser.find_element(By.CSS_SELECTOR, ".hit-title mark").text == "الطوابع"
    assert browser.title != "1"


def test_facet_values_narrow_hits_and_live_in_the_url(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, site + "/")
    everything = total(browser)
    amn = browser.find_element(By.CSS_SELECTOR, '.facet[data-facet="source"] input[data-key="amn"]')
    before = browser.current_url
    amn.click()
    settle(browser, before)
    assert query(browser)["source"] == ["amn"]
    assert total(browser) == 6 < everything
    sources = {chip.get_attribute("data-key") for chip in browser.find_elements(By.CSS_SELECTOR, ".hit .chip-source")}
    assert sources == {"amn"}

    # A second value of the same facet widens (OR within), by keyboard this time.
    sehha = browser.find_element(By.CSS_SELECTOR, '.facet[data-facet="source"] input[data-key="sehha"]')
    before = browser.current_url
    sehha.send_keys(Keys.SPACE)
    settle(browser, before)
    assert sorted(query(browser)["source"]) == ["amn", "sehha"]
    assert total(browser) == 10
    focused = browser.switch_to.active_element  # the keyboard stays where it was, not back at the top
    assert focused.get_attribute("data-key") == "sehha" and focused.get_attribute("checked")

    # Another facet narrows (AND across); its chip can be removed again.
    chip = browser.find_element(By.CSS_SELECTOR, '.hit .chip-location[data-key="ليبيا"], .hit .chip-location')
    location = chip.get_attribute("data-key")
    before = browser.current_url
    chip.click()
    settle(browser, before)
    assert query(browser)["location"] == [location]
    narrowed = total(browser)
    assert 0 < narrowed < 10
    assert browser.find_element(By.CSS_SELECTOR, f'.selected-chip[data-key="{location}"]')

    before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, f'.selected-chip[data-key="{location}"] .chip-remove').click()
    settle(browser, before)
    assert "location" not in query(browser) and total(browser) == 10

    before = browser.current_url
    browser.back()  # the back button restores the narrowed search
    settle(browser, before)
    assert query(browser)["location"] == [location] and total(browser) == narrowed


def test_facet_finder_reaches_values_beyond_the_top(browser, site):
    from urllib.request import urlopen

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, site + "/")
    shown = {box.get_attribute("data-key") for box in
             browser.find_elements(By.CSS_SELECTOR, '.facet[data-facet="person"] input[type=checkbox]')}
    with urlopen(site + "/search?facet_size=100") as answer:  # every person of the 45 articles
        persons = json.load(answer)["facets"]["person"]
    beyond = [value for value in persons if value["key"] not in shown]
    assert shown and beyond  # more persons than the page lists
    target = beyond[-1]
    browser.find_element(By.CSS_SELECTOR, '.facet[data-facet="person"] .facet-search').send_keys(target["name"])
    found = WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '.facet[data-facet="person"] .facet-found-value'))
    keys = [value.get_attribute("data-key") for value in found]
    assert target["key"] in keys
    before = browser.current_url
    found[keys.index(target["key"])].click()
    settle(browser, before)
    assert query(browser)["person"] == [target["key"]] and total(browser) == target["count"]


def test_histogram_bar_selects_a_date_range(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site + "/?source=amn")
    bar = browser.find_element(By.CSS_SELECTOR, ".histogram button.bar[data-date='2026-10-24']")
    before = browser.current_url
    bar.click()
    settle(browser, before)
    assert query(browser)["date_from"] == ["2026-10-24"] and query(browser)["date_to"] == ["2026-10-24"]
    assert total(browser) == 1
    # The bars still span every date, so the range can be widened with shift-click.
    wider = browser.find_element(By.CSS_SELECTOR, ".histogram button.bar[data-date='2026-10-26']")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    before = browser.current_url
    ActionChains(browser).key_down(Keys.SHIFT).click(wider).key_up(Keys.SHIFT).perform()
    settle(browser, before)
    assert query(browser)["date_to"] == ["2026-10-26"] and total(browser) == 3

    # By keyboard: the bars are one tab stop (the latest), Home goes to the first, Enter picks it.
    open_page(browser, site + "/?source=amn")
    stop = browser.find_elements(By.CSS_SELECTOR, ".histogram button.bar[tabindex='0']")
    assert [bar.get_attribute("data-date") for bar in stop] == ["2026-10-31"]
    stop[0].send_keys(Keys.HOME)
    assert browser.switch_to.active_element.get_attribute("data-date") == "2026-10-24"
    before = browser.current_url
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    settle(browser, before)
    assert query(browser)["date_from"] == ["2026-10-24"] and total(browser) == 1


def test_sort_and_pagination(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(browser, site + "/")
    first_page = hit_ids(browser)
    before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, ".pagination a[rel=next]").click()
    settle(browser, before)
    assert query(browser)["page"] == ["2"] and not set(hit_ids(browser)) & set(first_page)
    before = browser.current_url
    Select(browser.find_element(By.ID, "sort")).select_by_value("oldest")
    settle(browser, before)
    assert query(browser)["sort"] == ["oldest"] and "page" not in query(browser)
    assert hit_ids(browser)[0] == "sample-001"  # 2026-10-01, the oldest sample


def test_article_view_opens_with_entities(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site + "/?q=الهجرة")
    link = browser.find_element(By.CSS_SELECTOR, '.hit[data-id="sample-030"] .hit-title a')
    before = browser.current_url
    link.click()
    assert settle(browser, before) == "article"
    assert query(browser)["article"] == ["sample-030"] and query(browser)["q"] == ["الهجرة"]
    assert browser.find_element(By.CSS_SELECTOR, "h1.article-title").text.startswith("إيطاليا والاتحاد الأوروبي")
    names = [chip.text for chip in browser.find_elements(By.CSS_SELECTOR, ".entities .chip")]
    assert "أورسولا فون دير لاين" in names and "إيطاليا" in names
    assert len(browser.find_elements(By.CSS_SELECTOR, ".article-body p")) >= 2
    from selenium.webdriver.support.ui import WebDriverWait

    # Related articles: the list, or a clear line where the server has no such endpoint.
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".related-list li, .related [data-missing]"))
    before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, "a.back").click()
    assert settle(browser, before) == "results" and "article" not in query(browser)


def test_entity_view_shows_profile_timeline_and_company(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site + "/?q=الهجرة&article=sample-030")
    before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, '.entities a.entity-link[aria-label="ملف أورسولا فون دير لاين"]').click()
    assert settle(browser, before) == "entity"
    assert query(browser)["entity_type"] == ["person"] and query(browser)["entity"] == ["اورسولا فون دير لاين"]
    assert browser.find_element(By.CSS_SELECTOR, "h1.entity-name").text == "أورسولا فون دير لاين"
    assert browser.find_elements(By.CSS_SELECTOR, ".entity-view .bars .bar")  # the monthly timeline
    company = [link.text for link in browser.find_elements(By.CSS_SELECTOR, ".related-entities a.entity-link")]
    assert "الاتحاد الأوروبي" in company and "إيطاليا" in company  # both in sample-030 with her

    before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, "a.all-articles").click()
    assert settle(browser, before) == "results"
    assert query(browser)["person"] and "sample-030" in hit_ids(browser)
    before = browser.current_url
    browser.back()
    assert settle(browser, before) == "entity"


def test_unknown_entity_says_so(browser, site):
    from selenium.webdriver.common.by import By

    assert open_page(browser, site + "/?entity_type=person&entity=لا+أحد+بهذا+الاسم") == "entity-missing"
    assert "لا ملف لهذا الكيان" in browser.find_element(By.CSS_SELECTOR, ".notice").text


def test_bad_query_shows_the_api_message(browser, site):
    from selenium.webdriver.common.by import By

    assert open_page(browser, site + "/?q=الهجرة&date_from=2026-11-01&date_to=2026-10-01") == "error"
    assert browser.find_element(By.ID, "app").get_attribute("data-error") == "400"
    notice = browser.find_element(By.CSS_SELECTOR, ".notice-error")
    assert "date_from" in notice.text  # the field the API named
    before = browser.current_url
    notice.find_element(By.CSS_SELECTOR, "a.button").click()
    assert settle(browser, before) == "results" and "date_from" not in query(browser)


def test_engine_down_shows_unavailable(browser, base_settings):
    from selenium.webdriver.common.by import By

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings = replace(base_settings, elasticsearch_url=f"http://127.0.0.1:{closed}", request_timeout=2)
    with served(create_app(settings)) as url:
        assert open_page(browser, url + "/?q=الهجرة") == "error"
        assert browser.find_element(By.ID, "app").get_attribute("data-error") == "503"
        assert "محرك البحث غير متاح" in browser.find_element(By.CSS_SELECTOR, ".notice-error").text
    browser.get_log("performance")  # this second app's origin is not the one the no-outside-request test checks


def test_phone_width_has_no_sideways_scroll(browser, site):
    from selenium.webdriver.common.by import By

    browser.set_window_size(390, 844)
    try:
        open_page(browser, site + "/?q=الهجرة")
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1]
        results = browser.find_element(By.ID, "results")
        assert results.rect["width"] > 300  # one column, not squeezed beside the filters
        for view in ("article=sample-030", "entity_type=location&entity=ليبيا"):
            open_page(browser, f"{site}/?q=الهجرة&{view}")
            width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], view
    finally:
        browser.set_window_size(1280, 900)


def test_docs_render_the_operations(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site + "/docs")
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 4)
    paths = {element.text.replace("\u200b", "") for element in
             browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/search", "/articles/{article_id}", "/health"} <= paths


def test_no_request_leaves_the_origin(browser, site):
    """Every page above, and a few more steps here: each request the browser made went to the app."""
    from selenium.webdriver.common.by import By

    open_page(browser, site + "/?q=الهجرة")
    before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, ".hit-title a").click()
    settle(browser, before)
    browser.get(site + "/docs")  # returns once the page and its scripts have loaded (or failed to)
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    outside = [url for url in urls if not (url.startswith(site + "/") or url.startswith("data:"))]
    assert not outside
    # The log did see the page's own requests: the API, the page's assets and Swagger UI's.
    assert any("/search?" in url for url in urls) and any(url.endswith("/web/main.js") for url in urls)
    assert any(url.endswith("/docs/assets/swagger-ui-bundle.js") for url in urls)
