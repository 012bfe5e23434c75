"""Lighthouse (mobile) on the offline app, signed in as a demo learner.

Runs npm's ``lighthouse`` on Debian's Chromium (``CHROME_PATH``) against /app
served by the live test server with the learner's session cookie. Prints the
performance, accessibility and best-practices scores against the goals
98 / 100 / 100; no score is asserted (benchmarks never fail on a number).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Person
from tests.factories import Api, enrol, make_invite
from tests.softauthn import SoftAuthenticator

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
GOALS = {"performance": 98, "accessibility": 100, "best-practices": 100}


@pytest.mark.benchmark
def test_lighthouse_scores(live_server, runner, tmp_path, capsys):
    assert LIGHTHOUSE.exists(), "run `make bench`, which installs lighthouse with npm"
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    api = Api(live_server.app.test_client())
    with live_server.app.app_context():
        ana = db.session.scalar(sa.select(Person.id).where(Person.display_name == "Ana Ruiz"))
    _, answer = enrol(api, make_invite(live_server.app, ana),
                      SoftAuthenticator(origin=live_server.url))
    assert answer.status_code == 200
    cookie = api.client.get_cookie("skillpath_session").value
    report = tmp_path / "report.json"
    for page in ("/app", "/signin"):
        subprocess.run(
            [str(LIGHTHOUSE), live_server.url + page, "--quiet", "--output=json",
             f"--output-path={report}", "--form-factor=mobile",
             "--only-categories=performance,accessibility,best-practices",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
             " --disable-background-networking --disable-component-update --disable-sync",
             f"--extra-headers={json.dumps({'Cookie': f'skillpath_session={cookie}'})}"],
            check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=240)
        data = json.loads(report.read_text())
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
