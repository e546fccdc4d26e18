#!/usr/bin/python3
"""Opens an HTML file in headless Chromium (Debian's chromium, chromium-driver, python3-selenium)
and checks that it loads, that every image has rendered (complete, with a natural width), and
that the browser's console holds no error.

usage: tests/browser_check.py PAGE.html
Exit status 0 when all holds, 1 naming what does not, 77 (skipped) when no browser is installed.
"""
import os
import shutil
import sys

SKIP = 77


def main():
    page = os.path.abspath(sys.argv[1])
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        print("skipped: python3-selenium is not installed (launch/setup.sh installs it)")
        return SKIP
    if not os.path.exists(chromedriver) or not shutil.which("chromium"):
        print("skipped: chromium and chromium-driver are not installed (launch/setup.sh installs them)")
        return SKIP
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        driver.set_page_load_timeout(60)
        driver.get("file://" + page)
        state = driver.execute_script("return document.readyState")
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.alt || i.src.slice(0, 40), i.complete, i.naturalWidth]);")
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    finally:
        driver.quit()
    problems = []
    if state != "complete":
        problems.append(f"the page did not finish loading ({state})")
    if not images:
        problems.append("the page has no images")
    problems += [f"image {name!r} did not render" for name, complete, width in images if not complete or width == 0]
    problems += [f"console error: {message}" for message in errors]
    for problem in problems:
        print(f"FAILED: {page}: {problem}")
    if not problems:
        print(f"ok: {page} loads in Chromium, {len(images)} images render, no console errors")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
