"""A cookie-keeping HTTP client for app servers running in their own processes, with the
`get`/`post` shape of Flask's test client, so tests/patient's Tablet drives either."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class HttpResponse:
    status_code: int
    headers: dict
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None  # the caller sees the 302 and its Location, as with the test client


class HttpClient:
    def __init__(self, base_url: str, timeout: float = 30):
        assert base_url.startswith("http://127.0.0.1:"), "loopback servers only"
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects)

    def _open(self, request: urllib.request.Request) -> HttpResponse:
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return HttpResponse(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return HttpResponse(error.code, dict(error.headers), error.read())

    def get(self, path: str, headers: dict | None = None) -> HttpResponse:
        return self._open(urllib.request.Request(self.base_url + path, headers=headers or {}))  # noqa: S310

    def post(self, path: str, data: dict) -> HttpResponse:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body, method="POST"))  # noqa: S310
