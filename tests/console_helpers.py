"""Logging the Flask test client into the console, and reading its forms."""
import re

from tests.admin_helpers import ADMIN_TOKEN

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html):
    found = CSRF_FIELD.search(html if isinstance(html, str) else html.decode())
    assert found, "the page carries no CSRF token"
    return found.group(1)


def login(client, token=ADMIN_TOKEN):
    page = client.get("/console/login")
    return client.post("/console/login", data={"token": token, "csrf_token": csrf_from(page.data)})


def csrf(client, path="/console/"):
    """A CSRF token of the logged-in session, read from a page's logout form."""
    return csrf_from(client.get(path).data)
