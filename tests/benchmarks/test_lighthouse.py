"""Lighthouse (mobile) on the offline app, signed in as a demo learner.

Runs npm's ``lighthouse`` against /app served by the live test server, on
Debian's Chromium started here with the learner's session cookie in its cookie
jar, as a phone has it. (Lighthouse's ``--extra-headers`` would add the cookie
to the page's own requests only: the service worker's would go out signed out,
and their 401s end up in the page's console.) Prints the performance,
accessibility and best-practices scores against the goals 98 / 100 / 100; no
score is asserted: a score under its goal is listed at the end of ``make bench``.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Person
from tests.benchmarks.goals import goal
from tests.browser.harness import CHROMIUM, FLAGS, free_port
from tests.factories import SESSION_COOKIE, Api, enrol, make_invite
from tests.softauthn import SoftAuthenticator

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
GOALS = {"performance": 98, "accessibility": 100, "best-practices": 100}


def signed_in_chromium(playwright, port: int, profile: Path, url: str, cookie: str):
    """Debian's Chromium on a debugging port for Lighthouse, the session cookie in its jar."""
    chromium = subprocess.Popen(
        [str(CHROMIUM), f"--remote-debugging-port={port}", f"--user-data-dir={profile}", *FLAGS,
         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
            break
        except Exception:  # noqa: BLE001 - not listening yet
            if time.monotonic() > deadline or chromium.poll() is not None:
                chromium.kill()
                raise
            time.sleep(0.2)
    browser.contexts[0].add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": url}])
    return chromium, browser


@pytest.mark.benchmark
def test_lighthouse_scores(playwright, live_server, runner, tmp_path, capsys):
    assert LIGHTHOUSE.exists(), "run `make bench`, which installs lighthouse with npm"
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    api = Api(live_server.app.test_client())
    with live_server.app.app_context():
        ana = db.session.scalar(sa.select(Person.id).where(Person.display_name == "Ana Ruiz"))
    _, answer = enrol(api, make_invite(live_server.app, ana),
                      SoftAuthenticator(origin=live_server.url))
    assert answer.status_code == 200
    cookie = api.client.get_cookie(SESSION_COOKIE).value
    report = tmp_path / "report.json"
    port = free_port()
    chromium, browser = signed_in_chromium(playwright, port, tmp_path / "profile",
                                           live_server.url, cookie)
    try:
        for page in ("/app", "/signin"):
            subprocess.run(
                [str(LIGHTHOUSE), live_server.url + page, "--quiet", "--output=json",
                 f"--output-path={report}", "--form-factor=mobile", f"--port={port}",
                 "--only-categories=performance,accessibility,best-practices"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=240)
            print_scores(page, json.loads(report.read_text()), capsys)
    finally:
        browser.close()
        chromium.terminate()
        chromium.wait(timeout=10)


def print_scores(page: str, data: dict, capsys) -> None:
    """One line per page: the scores against their goals, the metrics, what fell short."""
    scores = {k: round(v["score"] * 100) for k, v in data["categories"].items()}
    failing = [audit["id"] for audit in data["audits"].values()
               if audit.get("score") is not None and audit["score"] < 1
               and audit.get("scoreDisplayMode") == "binary"]
    metrics = {m: data["audits"][m]["displayValue"] for m in (
        "first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
        "cumulative-layout-shift", "speed-index")}
    with capsys.disabled():
        print(f"\nlighthouse mobile {page}: " + ", ".join(
            f"{k} {scores[k]} (goal {GOALS[k]})" for k in GOALS)
            + " [" + ", ".join(f"{k} {v}" for k, v in metrics.items()) + "]"
            + (f"; audits below full marks: {', '.join(sorted(failing))}" if failing else ""))
    for k, target in GOALS.items():
        goal(scores[k] >= target, f"lighthouse mobile {page}: {k} {scores[k]} (goal {target})")
