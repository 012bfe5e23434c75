from tests.browser.harness import browser, live_server, phone, playwright  # noqa: F401
