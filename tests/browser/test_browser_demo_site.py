"""The demo site (views:app) in headless Chromium: log in, flash, reload, log out, errors."""

from __future__ import annotations

import pytest
from browsing import shown, submit
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

pytestmark = pytest.mark.browser


def fill_login_form(browser: WebDriver, username: str, password: str) -> WebElement:
    form = shown(browser, "form#login")
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").send_keys(password)
    return form


def log_in(browser: WebDriver, site: str, username: str, password: str) -> None:
    """From the home page, follow "Log in" and submit the form."""
    browser.get(site + "/")
    browser.find_element(By.LINK_TEXT, "Log in").click()
    submit(browser, fill_login_form(browser, username, password))


def test_logging_in_shows_the_welcome_flash_and_the_greeting(
    browser: WebDriver, demo_site: str
) -> None:
    log_in(browser, demo_site, "ada", "analytical-engine")

    greeting = shown(browser, ".greeting")
    flash = browser.find_element(By.CSS_SELECTOR, ".flash")
    assert browser.current_url == demo_site + "/"
    assert greeting.text == "Hello, Ada Lovelace!"
    assert flash.text == "Welcome, Ada Lovelace!"
    # The stylesheet from /static/ reached the page.
    assert flash.value_of_css_property("background-color") == "rgba(232, 244, 232, 1)"
    assert browser.find_elements(By.LINK_TEXT, "Log in") == []


def test_the_flash_is_gone_after_a_reload(browser: WebDriver, demo_site: str) -> None:
    log_in(browser, demo_site, "ada", "analytical-engine")
    shown(browser, ".flash")

    browser.refresh()

    assert shown(browser, ".greeting").text == "Hello, Ada Lovelace!"
    assert browser.find_elements(By.CSS_SELECTOR, ".flash") == []


def test_logging_out_through_the_post_button(browser: WebDriver, demo_site: str) -> None:
    log_in(browser, demo_site, "ada", "analytical-engine")
    shown(browser, ".greeting")

    submit(browser, browser.find_element(By.CSS_SELECTOR, "nav form#logout"))

    assert shown(browser, ".flash").text == "You are logged out."
    assert browser.current_url == demo_site + "/"
    assert browser.find_elements(By.CSS_SELECTOR, ".greeting") == []
    assert browser.find_elements(By.CSS_SELECTOR, "form#logout") == []
    assert browser.find_element(By.LINK_TEXT, "Log in").get_attribute("href") == (
        demo_site + "/login/"
    )


def test_a_wrong_password_shows_the_error_and_keeps_the_user_name(
    browser: WebDriver, demo_site: str
) -> None:
    log_in(browser, demo_site, "ada", "difference-engine")

    assert shown(browser, ".error").text == "Unknown user name or wrong password."
    form = browser.find_element(By.CSS_SELECTOR, "form#login")
    assert form.find_element(By.NAME, "username").get_attribute("value") == "ada"
    assert form.find_element(By.NAME, "password").get_attribute("value") == ""
    assert browser.find_elements(By.CSS_SELECTOR, ".greeting") == []


def test_a_form_sent_after_the_cookies_were_deleted_shows_the_csrf_page_with_a_way_back(
    browser: WebDriver, demo_site: str
) -> None:
    browser.get(demo_site + "/login/")
    form = fill_login_form(browser, "ada", "analytical-engine")
    browser.delete_all_cookies()

    submit(browser, form)

    assert shown(browser, "h1").text == "Your form could not be sent"
    assert browser.title == "403 Forbidden"
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "The form expired, reload the page and submit again." in page
    assert "CSRF" not in page

    browser.find_element(By.LINK_TEXT, "Reload the form").click()
    submit(browser, fill_login_form(browser, "ada", "analytical-engine"))

    assert shown(browser, ".greeting").text == "Hello, Ada Lovelace!"


def test_the_account_page_asks_for_a_login_then_comes_back(
    browser: WebDriver, demo_site: str
) -> None:
    browser.get(demo_site + "/account/")

    assert browser.current_url == demo_site + "/login/?next=%2Faccount%2F"
    submit(browser, fill_login_form(browser, "ada", "analytical-engine"))

    assert browser.current_url == demo_site + "/account/"
    assert shown(browser, "#account-name").text == ("You are logged in as Ada Lovelace (user 1).")
    assert browser.find_element(By.ID, "account-link").text == "Ada Lovelace"
