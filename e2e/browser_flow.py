"""A browser made of requests.Session: it fills in Portcullis's login form and consent screen the way a person would,
and stops at the first redirect that leaves the server (the application's callback)."""

import re
from html import unescape
from urllib.parse import urljoin

import requests


def hidden_fields(html: str) -> dict:
    form = html[html.rindex('<form method="post"'):]
    return {unescape(name): unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)}


def form_action(html: str) -> str:
    form = html[html.rindex('<form method="post"'):]
    return unescape(re.search(r'action="([^"]+)"', form).group(1))


class PageBrowser:
    def __init__(self, server_url: str):
        self.server = server_url
        self.session = requests.Session()

    def _follow(self, response: requests.Response) -> requests.Response:
        """Follows redirects on this server; returns the response whose Location leaves it."""
        for _ in range(10):
            if response.status_code not in (301, 302, 303, 307):
                return response
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.server):
                return response
            response = self.session.get(location, allow_redirects=False)
        raise AssertionError("too many redirects")

    def authorize(self, url: str, username: str, password: str, decision: str = "accept") -> str:
        """Opens an authorization URL, signs in if asked, answers the consent screen; returns the callback URL."""
        response = self._follow(self.session.get(url, allow_redirects=False))
        if 'name="password"' in response.text:
            fields = hidden_fields(response.text)
            fields.update(username=username, password=password)
            response = self._follow(self.session.post(urljoin(response.url, form_action(response.text)), data=fields, allow_redirects=False))
        if response.status_code == 200 and 'name="decision"' in response.text:
            fields = hidden_fields(response.text)
            fields["decision"] = decision
            response = self._follow(self.session.post(urljoin(response.url, form_action(response.text)), data=fields, allow_redirects=False))
        assert response.status_code == 303, f"expected the redirect to the application, got {response.status_code}: {response.text[:300]}"
        return response.headers["Location"]
