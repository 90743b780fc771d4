"""An admin makes an API token and sees it once, on a tablet and a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot, staff_sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_admin_creates_a_token_sees_it_once_and_revokes_it(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "admin")
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", name="Integrations", exact=True)).to_be_visible()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Name the token after the system")).to_be_visible()
    assert axe_violations(page) == []

    name = f"EHR interface ({viewport})"
    page.get_by_label("Name of the system that will use it").fill(name)
    page.get_by_role("button", name="Create token").click()
    token_field = page.get_by_label(f"Token for {name}")
    expect(token_field).to_be_visible()
    token = token_field.input_value()
    assert token.startswith("tfk_")
    expect(page.get_by_text("it is shown only once")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, f"integrations-token-created-{viewport}")

    page.goto(f"{live_server}/admin/integrations/")
    assert token not in page.content()
    page.get_by_role("button", name=f"Revoke token {name}").click()
    expect(page.get_by_text(f"Token “{name}” is revoked")).to_be_visible()
    page.get_by_text("How a system uses a token").click()
    assert axe_violations(page) == []
    screenshot(page, f"integrations-{viewport}")
