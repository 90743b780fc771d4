"""The URL fetcher WeasyPrint renders summaries with: data: URIs and the packaged fonts only.
This module imports WeasyPrint; import it only where a PDF is rendered."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT_TYPES = {".ttf": "font/ttf"}


class RefusedResourceError(ValueError):
    """The summary tried to load something other than a packaged font or a data: URI."""


class PackagedAssetFetcher(URLFetcher):
    """Serves data: URIs and the packaged fonts; refuses everything else, and remembers what."""

    def __init__(self):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.parent == FONTS_DIR and path.suffix in FONT_TYPES and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": FONT_TYPES[path.suffix]})
        self.refused.append(url)
        raise RefusedResourceError(f"only packaged fonts and data: URIs may be loaded, not {scheme}: resources")
