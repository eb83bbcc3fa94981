"""Browser tests of the site in headless Chromium (Selenium), printing TAP.

Usage: browser.py BASE_URL OUTPUT_DIR
Screenshots of each page go to OUTPUT_DIR.
"""
import os
import sys
import tempfile
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, outdir = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(outdir, exist_ok=True)
n = failed = 0


def check(description, ok, detail=""):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - {description}")
    if not ok:
        failed += 1
        if detail:
            print("#   " + str(detail).replace("\n", "\n#   "))
    sys.stdout.flush()


def gone(element):
    """A wait condition: true once element no longer belongs to the page.

    Selenium's staleness_of expects StaleElementReferenceException, but Chromium
    also answers "Node with given id does not belong to the document" (a plain
    WebDriverException) while the old page is being replaced: both mean gone.
    """
    def check(_driver):
        try:
            element.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True
    return check


def click_and_wait(button):
    """Click a button that submits a form, and wait for the next page to load."""
    button.click()
    WebDriverWait(driver, 30).until(gone(button))
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def shot(name):
    driver.save_screenshot(os.path.join(outdir, name + ".png"))


options = webdriver.ChromeOptions()
for arg in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1200,900",
            "--user-data-dir=" + tempfile.mkdtemp(prefix="rec-chromium-")]:
    options.add_argument(arg)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(60)
try:
    # the home page links users with holdout events: the first one's analysis has something to show
    driver.get(base + "/")
    first = driver.find_element(By.CSS_SELECTOR, "p.links a[href^='/user/']").get_attribute("href")
    driver.get(first.replace("/user/", "/analysis/"))
    check("the first user linked from the home page has a holdout to analyse",
          len(driver.find_elements(By.CSS_SELECTOR, "#holdout li")) > 0, first)
    driver.get(base + "/")
    driver.get(driver.find_element(By.LINK_TEXT, "Analysis").get_attribute("href"))
    check("so has the user of the menu's Analysis link",
          len(driver.find_elements(By.CSS_SELECTOR, "#holdout li")) > 0, driver.current_url)
    try:
        with urllib.request.urlopen(base + "/favicon.ico", timeout=10) as r:
            icon = (r.status, r.headers.get("Content-Type"))
    except urllib.error.HTTPError as e:
        icon = (e.code, None)
    check("/favicon.ico is served", icon[0] == 200 and "svg" in (icon[1] or ""), icon)

    # a user nobody has seen: the empty history says why
    driver.get(f"{base}/user/999999")
    check("an unknown user's empty history says why",
          "has watched nothing yet" in driver.find_element(By.ID, "no-history").text
          and not driver.find_elements(By.CSS_SELECTOR, "#history li"))

    # a user: recommendations with reasons, then a click changes the list
    user = 1
    driver.get(f"{base}/user/{user}")
    rows = driver.find_elements(By.CSS_SELECTOR, "#recs tr[data-item]")
    check("a user's page lists 10 recommendations", len(rows) == 10, len(rows))
    reasons = [r.find_element(By.CSS_SELECTOR, ".reason").text for r in rows]
    check("each says why, with the movie it is because of",
          all(r.startswith(("personalized", "session", "exploration", "popular")) for r in reasons)
          and any("because you watched" in r for r in reasons), reasons)
    history = driver.find_elements(By.CSS_SELECTOR, "#history li")
    check("and the user's recent history", len(history) > 0)
    variant = driver.find_element(By.ID, "variant").text
    check("and the variant that served", variant in ("up-v1", "up-v2"), variant)
    shot("user")

    before = [r.get_attribute("data-item") for r in rows]
    target = rows[-1]
    clicked = target.get_attribute("data-item")
    clicked_title = target.find_element(By.CSS_SELECTOR, "td:nth-child(2) a").text
    click_and_wait(target.find_element(By.CSS_SELECTOR, "button.watch"))
    notice = driver.find_element(By.ID, "clicked").text
    check("clicking an item logs it and re-renders", clicked_title in notice, notice)
    hist = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#history li")]
    check("the clicked item tops the history", hist and hist[0].startswith(clicked_title), hist[:2])
    rows = driver.find_elements(By.CSS_SELECTOR, "#recs tr[data-item]")
    after = [r.get_attribute("data-item") for r in rows]
    check("the list changed, the clicked item left it", after != before and clicked not in after,
          f"before {before} after {after}")
    entered = driver.find_elements(By.CSS_SELECTOR, "#recs tr.entered")
    check("what entered the list is marked, with its reason",
          len(entered) > 0 and all(e.find_element(By.CSS_SELECTOR, ".reason").text for e in entered))
    check("the notice says what entered and what left", "Entered the list" in notice and "Left the list" in notice, notice)
    shot("user-after-click")

    # an item, and a cold item with metadata-based neighbours
    driver.get(f"{base}/item/5")
    sims = driver.find_elements(By.CSS_SELECTOR, "#similar tr td.reason")
    check("an item's page lists similar items", len(sims) == 10 and sims[0].text == "similar")
    shot("item")
    driver.get(f"{base}/item/402")
    sims = driver.find_elements(By.CSS_SELECTOR, "#similar tr td.reason")
    check("a cold item's neighbours come from its metadata",
          driver.find_elements(By.ID, "cold") and sims and sims[0].text == "category", [s.text for s in sims])
    shot("item-cold")

    # analysis of one user: history, holdout, recommendations with hits, metrics
    driver.get(f"{base}/analysis/{user}")
    metrics = driver.find_elements(By.CSS_SELECTOR, "#metrics th")
    check("the analysis page shows the user's metrics", [m.text for m in metrics][:1] == ["ndcg_at_10"])
    check("and the holdout", len(driver.find_elements(By.CSS_SELECTOR, "#holdout li")) > 0)
    check("and 25 recommendations", len(driver.find_elements(By.CSS_SELECTOR, "#analysis-recs li")) == 25)
    shot("analysis")

    # campaigns
    driver.get(f"{base}/campaigns")
    text = driver.find_element(By.ID, "campaigns").text
    check("the campaigns page shows the A/B campaign's variants and shares", "up-v1 50%" in text and "up-v2 50%" in text, text)
    home = driver.find_element(By.CSS_SELECTOR, "#campaigns tr[data-campaign='home']")
    cells = [home.find_element(By.CSS_SELECTOR, c).text for c in (".solution", ".version", ".recipe")]
    check("and its solution, serving version and recipe (its main variant's)", all(cells), cells)
    shot("campaigns")

    # a small A/B test: 24 users, the users of up-v2 click more
    driver.get(f"{base}/evaluation")
    def report():
        return {r.get_attribute("data-variant"): (int(r.find_element(By.CSS_SELECTOR, ".impressions").text),
                                                 int(r.find_element(By.CSS_SELECTOR, ".clicks").text))
                for r in driver.find_elements(By.CSS_SELECTOR, "#ab-report tr[data-variant]")}
    start = report()
    shown = {"up-v1": 0, "up-v2": 0}
    clicks = {"up-v1": 0, "up-v2": 0}
    for u in range(100, 124):
        driver.get(f"{base}/user/{u}")
        v = driver.find_element(By.ID, "variant").text
        shown[v] += 10
        for i in range(2 if v == "up-v2" else 1):
            click_and_wait(driver.find_elements(By.CSS_SELECTOR, "#recs button.watch")[0])
            shown[v] += 10
            clicks[v] += 1
    driver.get(f"{base}/evaluation")
    end = report()
    check("the A/B report counts every impression and click of the simulated users",
          all(end[v][0] - start.get(v, (0, 0))[0] == shown[v] and end[v][1] - start.get(v, (0, 0))[1] == clicks[v]
              for v in shown), f"start {start} end {end} shown {shown} clicks {clicks}")
    check("the evaluation page charts the campaigns and the A/B test in SVG",
          len(driver.find_elements(By.CSS_SELECTOR, "svg.chart")) == 3)
    beyond = [(r.get_attribute("data-group"), r.get_attribute("data-value"), float(r.get_attribute("height")))
              for r in driver.find_elements(By.CSS_SELECTOR, "svg#beyond rect[data-series]")]
    check("the beyond-accuracy chart has a bar of coverage, novelty, diversity and serendipity per campaign, with values",
          {g for g, _, _ in beyond} == {"coverage", "novelty", "diversity", "serendipity"} and len(beyond) == 12
          and all(float(v) >= 0 for _, v, _ in beyond) and all(h > 0 for g, _, h in beyond if g != "serendipity"), beyond)
    bar = {r.get_attribute("data-series"): r.get_attribute("fill")
           for r in driver.find_elements(By.CSS_SELECTOR, "svg.chart rect[data-series]")}
    dot = {c.get_attribute("data-series"): c.get_attribute("fill")
           for c in driver.find_elements(By.CSS_SELECTOR, "svg.chart circle[data-series]")}
    check("a variant has its campaign's colour in both charts",
          dot and all(bar.get(v) == colour for v, colour in dot.items()), f"bars {bar} dots {dot}")
    ticks = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "svg.chart text.tick")]
    check("the A/B chart's CTR axis has labels", len(ticks) >= 3 and all(t.endswith("%") for t in ticks), ticks)
    rows = driver.find_elements(By.CSS_SELECTOR, "#evaluation tr")
    check("with metrics against the holdout per campaign", len(rows) == 4, len(rows))
    shot("evaluation")
finally:
    driver.quit()

print(f"1..{n}")
sys.exit(1 if failed else 0)
