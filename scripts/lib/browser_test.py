#!/usr/bin/python3
"""The dashboard in a real browser: scripts/browser-test runs this against `conveyor web` at URL.

Checks what each page shows, clicks "Retry now" and sees the job leave the retry set, checks that a
job class holding <script> shows as text, and saves a screenshot of every page (and one at phone
width) to the directory given. Exits non-zero, naming the check, on the first failure.
"""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By

url, shots = sys.argv[1], sys.argv[2]
os.makedirs(shots, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(30)


def check(condition, what):
    if not condition:
        print(f"browser-test: FAIL: {what}\n  at {driver.current_url}", file=sys.stderr)
        sys.exit(1)
    print(f"ok - {what}")


def wait_for(condition, what, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return
        except (StaleElementReferenceException, NoSuchElementException):
            # The page is being replaced (a form's POST and its redirect): look again at the new one.
            pass
        time.sleep(0.2)
    check(False, what)


def visit(path, shot=None):
    driver.get(url + path)
    if shot:
        driver.save_screenshot(os.path.join(shots, shot + ".png"))
    return driver.find_element(By.TAG_NAME, "body").text


def stats():
    with urllib.request.urlopen(url + "/stats.json") as response:
        return json.load(response)


try:
    body = visit("/")
    check("Processed" in body and "Live throughput" in body and "redis_version" in body, "the overview shows the counters, the live chart and Redis")
    # The live chart draws once two polls of stats.json are in (every 3 s).
    wait_for(lambda: "waiting" not in driver.find_element(By.ID, "live-max").text, "the live chart draws from stats.json")
    check(driver.find_element(By.ID, "live-processed").get_attribute("points") != "", "the live chart has a line")
    driver.save_screenshot(os.path.join(shots, "overview.png"))

    body = visit("/queues", "queues")
    check("default" in body and "120" in body and "mailers" in body and "37" in body, "the queues page lists each queue and its size")
    body = visit("/queues/default", "queue")
    check("1–25 of 120" in body and "Noop" in body, "a queue's page shows its jobs 25 at a time")

    body = visit("/busy", "busy")
    check("Sleep" in body and "critical" in body and "Quiet" in body, "busy shows the worker process and the job it runs")

    body = visit("/scheduled", "scheduled")
    check("Report" in body and "<script>alert(1)</script>" in body, "scheduled shows the jobs, a <script> class as text")
    check(not driver.find_elements(By.CSS_SELECTOR, "td b"), "the <b> in a job's args is not markup")

    body = visit("/dead", "dead")
    check("SMTP timeout" in body, "the dead set shows the job that died with its error")

    body = visit("/retries", "retries")
    check("card declined for order 1042" in body, "the retry set shows the failed job and its error")
    check(stats()["retries"] == 1, "stats.json counts one retry")
    link = driver.find_element(By.LINK_TEXT, "Fail")
    link.click()
    body = driver.find_element(By.TAG_NAME, "body").text
    check("Backtrace" in body or "Error" in body, "the job page shows the error")
    check("Payload as stored" in body and "retry_queue" in body, "the job page shows the whole payload")
    driver.save_screenshot(os.path.join(shots, "job.png"))

    visit("/retries")
    driver.find_element(By.XPATH, "//button[normalize-space()='Retry now']").click()
    wait_for(lambda: "Retried 1 job" in driver.find_element(By.TAG_NAME, "body").text, "Retry now says the job was retried")
    body = driver.find_element(By.TAG_NAME, "body").text
    check("card declined for order 1042" not in body and "empty" in body, "the retried job left the retry set")
    check(stats()["retries"] == 0, "stats.json counts no retry after Retry now")
    body = visit("/queues/billing")
    check("Fail" in body, "the retried job waits in its retry_queue")

    driver.set_window_size(390, 844)
    visit("/", "phone-overview")
    visit("/queues", "phone-queues")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    check(width <= 400, f"the queues page fits a phone's width (scrollWidth {width})")
finally:
    driver.quit()
print("browser-test: all checks passed; screenshots in " + shots)
