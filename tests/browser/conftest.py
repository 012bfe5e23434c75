from tests.browser.harness import browser, live_server, phone  # noqa: F401
