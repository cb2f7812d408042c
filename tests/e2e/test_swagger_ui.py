"""Swagger UI on the gateway, used the way an administrator uses it: in a real browser.

Debian's chromium driven by Playwright (``deploy.browser`` installs it when missing). Every
request the browser makes to a host other than 127.0.0.1 is recorded and refused: the page
must work inside a closed network. Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from deploy.browser import CHROMIUM, CHROMIUM_ARGS, ensure_chromium
from deploy.openapi_docs import REGENERATE, committed_document, differences
from deploy.processes import Stack
from tests.conftest import OUTPUT_DIR, LoginFactory

pytestmark = pytest.mark.e2e

SCREENSHOTS = OUTPUT_DIR / "screenshots"
LOCAL_HOSTS = {"127.0.0.1"}
# One read of each service, as Swagger UI names its blocks: operations-<tag>-<operationId>.
READS = {
    "clients": "operations-accounts-list_accounts",
    "staff": "operations-departments-list_departments",
    "kpi": "operations-indicators-list_indicators",
}


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    problem = ensure_chromium()
    assert problem is None, problem
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        yield launched
        await launched.close()


class ClosedNetwork:
    """Lets requests to 127.0.0.1 through and records (and refuses) every other one."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        self.seen: list[str] = []

    async def __call__(self, route: Route) -> None:
        url = route.request.url
        self.seen.append(url)
        if urlsplit(url).hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            self.refused.append(url)
            await route.abort("blockedbyclient")


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[tuple[Page, ClosedNetwork]]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    network = ClosedNetwork()
    await context.route("**/*", network)
    opened = await context.new_page()
    opened.set_default_timeout(20_000)
    yield opened, network
    await context.close()
    assert network.refused == [], f"requests left the machine: {network.refused}"


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


async def sign_in(page: Page, username: str, password: str) -> None:
    """Fill the OAuth2 password flow in the Authorize dialog and press its Authorize."""
    await page.locator("button.btn.authorize").first.click()
    dialog = page.locator(".modal-ux")
    await expect(dialog).to_be_visible()
    await dialog.locator("#oauth_username").fill(username)
    await dialog.locator("#oauth_password").fill(password)
    await dialog.locator(".auth-btn-wrapper button.authorize").first.click()


async def close_dialog(page: Page) -> None:
    await page.locator(".modal-ux button.btn-done").first.click()
    await expect(page.locator(".modal-ux")).to_have_count(0)


async def try_it_out(page: Page, block_id: str) -> str:
    """Expand an operation, press "Try it out" and "Execute"; the live response's status."""
    block = page.locator(f"#{block_id}")
    # Swagger UI renders a few hundred operations; on a busy machine that takes a while.
    await block.scroll_into_view_if_needed(timeout=90_000)
    if "is-open" not in (await block.get_attribute("class") or ""):  # a deep link opens it
        await block.locator(".opblock-summary").first.click()
    await block.locator("button.try-out__btn").click()
    await block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    await expect(status).to_have_text(re.compile(r"^\s*\d{3}\s*$"), timeout=20_000)
    return (await status.inner_text()).strip()


def warm_up(gateway: str) -> None:
    """Have every service build its document once (seconds on a busy machine)."""
    document = httpx.get(f"{gateway}/openapi.json", timeout=120).json()
    assert "x-unavailable-services" not in document["info"], document["info"]


async def test_an_administrator_uses_swagger_ui_through_the_gateway(
    stack: Stack, login_as: LoginFactory, page: tuple[Page, ClosedNetwork]
) -> None:
    browser_page, network = page
    login_as("swagger.exec", "executive")  # password: <login>-password-2026
    gateway = stack.url("gateway")
    warm_up(gateway)

    await browser_page.goto(f"{gateway}/docs")
    title = browser_page.locator(".swagger-ui .info .title")
    await expect(title).to_contain_text("KAM API", timeout=60_000)
    for block_id in READS.values():
        await expect(browser_page.locator(f"#{block_id}")).to_have_count(1)
    tags = await browser_page.locator(".opblock-tag-section h3 .nostyle span").all_inner_texts()
    assert {"accounts", "departments", "indicators", "auth"} <= set(tags)
    await screenshot(browser_page, "swagger-overview")

    # A wrong password: the dialog says so and nobody is signed in.
    await sign_in(browser_page, "swagger.exec", "not-the-password")
    dialog = browser_page.locator(".modal-ux")
    containers = dialog.locator(".auth-container")
    await expect(containers).to_have_count(2)  # people (OAuth2 password) and machines (key)
    await expect(containers.nth(0)).to_contain_text("OAuth2PasswordBearer")
    await expect(containers.nth(1)).to_contain_text("X-API-Key")
    await expect(dialog.locator(".errors")).to_contain_text("Unauthorized")
    await expect(dialog.locator("button", has_text="Logout")).to_have_count(0)
    await screenshot(browser_page, "swagger-authorize-wrong-password")
    await close_dialog(browser_page)

    await sign_in(browser_page, "swagger.exec", "swagger.exec-password-2026")
    await expect(dialog.locator("button", has_text="Logout")).to_be_visible()
    await screenshot(browser_page, "swagger-authorize-signed-in")
    await close_dialog(browser_page)

    for service, block_id in READS.items():
        assert await try_it_out(browser_page, block_id) == "200", service
    await screenshot(browser_page, "swagger-try-it-out")

    # persistAuthorization: a reload keeps the login.
    await browser_page.reload()
    await expect(browser_page.locator(f"#{READS['kpi']}")).to_have_count(1, timeout=60_000)
    assert await try_it_out(browser_page, READS["kpi"]) == "200"

    assert network.seen, "the route recorded nothing"
    assert network.refused == []


async def test_redoc_renders_from_our_own_origin(
    stack: Stack, page: tuple[Page, ClosedNetwork]
) -> None:
    browser_page, network = page
    warm_up(stack.url("gateway"))
    await browser_page.goto(f"{stack.url('gateway')}/redoc")
    await expect(browser_page.locator("h1").first).to_contain_text("KAM API", timeout=90_000)
    # x-tagGroups: one group per service in the side menu.
    menu = browser_page.locator(".menu-content")
    for service in ("clients", "staff", "kpi"):
        await expect(menu.get_by_text(service, exact=True).first).to_be_visible()
    await screenshot(browser_page, "redoc-overview")
    assert network.refused == []


def test_docs_pages_and_favicon_are_local_everywhere(stack: Stack) -> None:
    for name in ("gateway", "clients", "staff", "kpi"):
        base = stack.url(name)
        page = httpx.get(f"{base}/docs", timeout=10)
        assert page.status_code == 200
        assert 'href="/favicon.ico"' in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "http://" not in page.text.replace(base, "")
        assert "https://" not in page.text
        icon = httpx.get(f"{base}/favicon.ico", timeout=10)
        assert (icon.status_code, icon.headers["content-type"]) == (200, "image/png")


def test_the_served_merged_contract_is_the_committed_one(stack: Stack) -> None:
    served = httpx.get(f"{stack.url('gateway')}/openapi.json", timeout=10).json()
    found = differences(served, committed_document("gateway"))
    hint = "\n".join(found[:30])
    assert found == [], f"docs/openapi/gateway.json is stale:\n{hint}\nregenerate: {REGENERATE}"
