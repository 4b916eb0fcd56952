"""The blog example (examples.blog.app:app) in headless Chromium: log in, write a post (with a
mistake first), edit it, page through the list, delete it, log out. The site runs on this run's
own database, with one writer (BLOG_WRITER).
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from browsing import BLOG_WRITER, follow, labelled, shown, submit
from processes import fetch
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.browser

PER_PAGE = 5  # the blog's PostList.paginate_by


def flash(browser: WebDriver) -> str:
    return shown(browser, ".flash").text


def list_titles(browser: WebDriver) -> list[str]:
    """The titles on the list page shown, top to bottom."""
    shown(browser, "h1")
    return [link.text for link in browser.find_elements(By.CSS_SELECTOR, "#posts .post a")]


def log_in(browser: WebDriver) -> None:
    """On the login page, log in as the blog's writer."""
    form = shown(browser, "form#login-form")
    username, password = BLOG_WRITER
    labelled(form, "User name").send_keys(username)
    labelled(form, "Password").send_keys(password)
    submit(browser, form)


def publish(browser: WebDriver, site: str, title: str, body: str) -> str:
    """Write a post through the "New post" page (logging in on the way); return its page's URL."""
    browser.get(site + "/")
    follow(browser, "#new-post-link")
    log_in(browser)
    form = shown(browser, "form#post-form")
    labelled(form, "Title").send_keys(title)
    labelled(form, "Body").send_keys(body)
    submit(browser, form)
    assert shown(browser, "#post-title").text == title
    return browser.current_url


def test_a_post_with_a_mistake_keeps_what_was_typed_then_is_published(
    browser: WebDriver, blog_site: str
) -> None:
    browser.get(blog_site + "/")
    follow(browser, "#new-post-link")
    # Writing needs a login: the blog asks for one, then comes back to the form.
    assert browser.current_url.startswith(blog_site + "/login?next=")
    log_in(browser)
    assert flash(browser) == f"Welcome, {BLOG_WRITER[0]}!"
    assert browser.current_url == blog_site + "/posts/new"
    form = shown(browser, "form#post-form")
    labelled(form, "Title").send_keys("A walk by the river")
    # Only spaces: the browser's own check of a required field lets them through, the blog's not.
    labelled(form, "Body").send_keys("   ")

    submit(browser, form)

    assert shown(browser, "#form-errors").text == "Please correct the errors below."
    assert shown(browser, "#body-errors").text == "This field is required."
    assert browser.current_url == blog_site + "/posts/new"
    assert browser.find_elements(By.CSS_SELECTOR, ".flash") == []
    form = browser.find_element(By.ID, "post-form")
    assert labelled(form, "Title").get_attribute("value") == "A walk by the river"

    body = labelled(form, "Body")
    body.clear()
    body.send_keys("Ducks, then geese.\nThen rain.")
    submit(browser, form)

    assert flash(browser) == "Post created."
    assert browser.current_url == blog_site + "/posts/a-walk-by-the-river"
    assert browser.title == "A walk by the river · Blog"
    assert shown(browser, "#post-title").text == "A walk by the river"
    assert browser.find_element(By.ID, "post-body").text == "Ducks, then geese.\nThen rain."
    assert browser.find_elements(By.ID, "form-errors") == []


def test_editing_a_post_shows_its_text_and_saves_the_change(
    browser: WebDriver, blog_site: str
) -> None:
    url = publish(browser, blog_site, "First draft", "Rough words.")

    follow(browser, "#edit-link")

    assert shown(browser, "h1").text == "Edit “First draft”"
    form = browser.find_element(By.ID, "post-form")
    title, body = labelled(form, "Title"), labelled(form, "Body")
    assert title.get_attribute("value") == "First draft"
    assert body.get_attribute("value") == "Rough words."

    title.clear()
    title.send_keys("Second draft")
    body.clear()
    body.send_keys("Better words.")
    submit(browser, form)

    assert flash(browser) == "Post updated."
    assert browser.current_url == url  # the address stays
    assert shown(browser, "#post-title").text == "Second draft"
    assert browser.find_element(By.ID, "post-body").text == "Better words."
    browser.get(blog_site + "/")
    assert "Second draft" in list_titles(browser)
    assert "First draft" not in list_titles(browser)


@pytest.fixture(scope="module")
def archive(blog_site: str, blog_database: Path) -> list[str]:
    """Enough old posts for three pages, written into the blog's database; titles newest first.

    They are dated 2001, so posts the other tests write come before them in the list.
    """
    status, _, _ = fetch(blog_site + "/")  # the blog creates its database on its first request
    assert status == 200
    numbers = range(1, 2 * PER_PAGE + 3)
    with closing(sqlite3.connect(blog_database)) as db, db:  # closed, and committed
        db.executemany(
            "INSERT INTO posts (title, slug, body, created) VALUES (?, ?, ?, ?)",
            [
                (f"Archived post {n:02}", f"archived-post-{n:02}", "Old news.", f"2001-01-{n:02}")
                for n in numbers
            ],
        )
    return [f"Archived post {n:02}" for n in reversed(numbers)]


def page_number(browser: WebDriver) -> tuple[int, int]:
    """The page shown and how many there are, from "Page N of M"."""
    match = re.fullmatch(r"Page (\d+) of (\d+)", shown(browser, "#page-number").text)
    assert match is not None
    return int(match[1]), int(match[2])


def test_paging_through_the_list_with_the_older_and_newer_links(
    browser: WebDriver, blog_site: str, archive: list[str]
) -> None:
    browser.get(blog_site + "/")
    pages = [list_titles(browser)]
    number, num_pages = page_number(browser)
    assert number == 1 and num_pages >= 3
    assert browser.find_elements(By.ID, "previous-page") == []

    while browser.find_elements(By.ID, "next-page"):
        follow(browser, "#next-page")
        pages.append(list_titles(browser))
        assert page_number(browser) == (len(pages), num_pages)
        assert browser.current_url == f"{blog_site}/?page={len(pages)}"

    assert len(pages) == num_pages
    assert all(len(page) == PER_PAGE for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= PER_PAGE
    everything = [title for page in pages for title in page]
    assert len(set(everything)) == len(everything)  # no post on two pages
    assert everything[-len(archive) :] == archive  # newest first, the oldest last

    while browser.find_elements(By.ID, "previous-page"):
        follow(browser, "#previous-page")
        number, _ = page_number(browser)
        assert list_titles(browser) == pages[number - 1]
    assert number == 1
    assert browser.find_elements(By.ID, "next-page") != []


def test_deleting_a_post_through_the_confirmation_page(browser: WebDriver, blog_site: str) -> None:
    url = publish(browser, blog_site, "Short-lived", "Gone soon.")

    follow(browser, "#delete-link")
    assert shown(browser, "h1").text == "Delete “Short-lived”?"
    follow(browser, "#cancel-delete")  # changed my mind: back to the post, still there
    assert browser.current_url == url
    assert shown(browser, "#post-title").text == "Short-lived"

    follow(browser, "#delete-link")
    submit(browser, shown(browser, "form#delete-form"))

    assert flash(browser) == "Deleted “Short-lived”."
    assert browser.current_url == blog_site + "/"
    assert "Short-lived" not in list_titles(browser)
    browser.get(url)
    assert shown(browser, "h1").text == "Not found"
    follow(browser, "main a")
    assert browser.current_url == blog_site + "/"


def test_logging_out_hides_the_writers_pages_again(browser: WebDriver, blog_site: str) -> None:
    url = publish(browser, blog_site, "Before logout", "Still readable.")
    assert shown(browser, "#username").text == BLOG_WRITER[0]

    submit(browser, shown(browser, "form#logout-form"))

    assert flash(browser) == "You are logged out."
    browser.get(url)
    assert shown(browser, "#post-title").text == "Before logout"  # reading stays public
    follow(browser, "#edit-link")
    assert browser.current_url.startswith(blog_site + "/login?next=")
