"""Every page names the site's icon, and the icon is served, so no page asks for a missing file."""

from __future__ import annotations


def test_the_icon_is_served_at_the_address_browsers_ask_for(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert len(response.data) < 4096


def test_pages_link_the_icon(client):
    page = client.get("/auth/sign-in").text
    assert '<link rel="icon" href="/favicon.ico"' in page
