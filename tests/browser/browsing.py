"""What a person does on a page, for the browser tests: wait to see something, follow a link,
submit a form. Each step returns once the browser shows its result (explicit waits, no sleeps).
"""

from __future__ import annotations

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.wait import WebDriverWait

WAIT_SECONDS = 10


#: The blog's writer (user name, password), added to the blog's database before it starts.
BLOG_WRITER = ("ada", "correct horse battery")


def shown(browser: WebDriver, css: str) -> WebElement:
    """Wait for the element ``css`` to be visible on the page; return it."""
    element: WebElement = WebDriverWait(browser, WAIT_SECONDS).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, css))
    )
    return element


def click_away(browser: WebDriver, element: WebElement) -> None:
    """Click ``element`` (a link, a submit button); return once the next page replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    # While the old page unloads, chromedriver may answer a look at its element with an "unknown
    # error" (the node "does not belong to the document") rather than the stale-element error
    # that staleness_of waits for: that answer, too, means "look again".
    WebDriverWait(browser, WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
        EC.staleness_of(page)
    )


def follow(browser: WebDriver, css: str) -> None:
    """Follow the visible link ``css`` to its page."""
    click_away(browser, shown(browser, css))


def submit(browser: WebDriver, form: WebElement) -> None:
    """Click the form's button, as a person does; return once the next page replaced this one."""
    click_away(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def labelled(form: WebElement, label: str) -> WebElement:
    """The form's field whose ``<label>`` reads ``label`` (no double quote), found by its label."""
    tag = form.find_element(By.XPATH, f'.//label[normalize-space()="{label}"]')
    for_id = tag.get_attribute("for")
    assert for_id, f"the label {label!r} names no field"
    return form.find_element(By.ID, for_id)
