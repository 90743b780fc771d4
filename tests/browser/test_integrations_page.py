"""An admin makes an API token and sees it once, on a tablet and a phone."""

import pytest

from tests.browser.conftest import axe_violations, screenshot, staff_sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_admin_creates_a_token_sees_it_once_and_revokes_it(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "admin")
    page.get_by_role("link", name="Integrations").click()
    assert page.get_by_role("heading", name="Integrations", exact=True).is_visible()
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_text("Name the token after the system").is_visible()
    assert axe_violations(page) == []

    name = f"EHR interface ({viewport})"
    page.get_by_label("Name of the system that will use it").fill(name)
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label(f"Token for {name}").input_value()
    assert token.startswith("tfk_")
    assert page.get_by_text("it is shown only once").is_visible()
    assert axe_violations(page) == []
    screenshot(page, f"integrations-token-created-{viewport}")

    page.goto(f"{live_server}/admin/integrations/")
    assert token not in page.content()
    page.get_by_role("button", name=f"Revoke token {name}").click()
    assert page.get_by_text(f"Token “{name}” is revoked").is_visible()
    page.get_by_text("How a system uses a token").click()
    assert axe_violations(page) == []
    screenshot(page, f"integrations-{viewport}")
