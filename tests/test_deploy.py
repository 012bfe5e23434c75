"""The example process-manager files parse and name commands the app really has.

Procfile lines are ``name: command``; the systemd units are read as systemd
reads them, near enough (configparser, keys case-sensitive, repeated keys
allowed). Each command is checked against what it runs: a ``flask --app pwa``
command must exist in the app's CLI with the options given, and gunicorn's
options must parse and name the served app (``pwa.wsgi:app``), which a server process
builds once and freezes out of the garbage collector's reach. The README must name every
setting the app reads from the environment.
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from pwa import config, create_app

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
ENV_EXAMPLE = ROOT / "deploy" / "systemd" / "skillpath.env.example"


def procfile() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-z][a-z0-9_-]*): (\S.*)", line)
        assert match, f"not `name: command`: {line!r}"
        assert match[1] not in found, f"{match[1]} twice"
        found[match[1]] = match[2]
    return found


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys keep case
    parser.read_string(path.read_text(), source=str(path))
    return parser


def flask_command_exists(app: Flask, args: list[str]) -> None:
    """``args`` after ``flask --app pwa`` name a command with options it takes."""
    group = FlaskGroup(create_app=lambda: app, load_dotenv=False, set_debug_flag=False)
    # Closed when done: looking a command up pushes the app's context onto the click
    # context's resources, which would otherwise stay pushed for the tests after this one.
    with click.Context(group, obj=ScriptInfo(create_app=lambda: app,
                                             load_dotenv_defaults=False)) as top:
        ctx = top
        command: click.Command | None = group
        rest = list(args)
        while isinstance(command, click.Group):
            assert rest, f"{args}: names a group, not a command"
            name = rest.pop(0)
            found = command.get_command(ctx, name)
            assert found is not None, f"no command {name!r} in {args}"
            command, ctx = found, click.Context(found, parent=ctx, info_name=name)
    assert command is not None
    options = {opt for param in command.params for opt in param.opts}
    for arg in rest:
        assert arg in options, f"{args}: {command.name} takes no {arg}"


def gunicorn_serves_the_app(argv: list[str]) -> None:
    from gunicorn.config import Config

    settings = Config()
    parsed = settings.parser().parse_args(argv)
    assert parsed.args == ["pwa.wsgi:app"], parsed.args


def check(command: str, app: Flask) -> str:
    """Check one command line; return what runs it (its program's name)."""
    argv = shlex.split(command)
    program = Path(argv[0]).name
    if program == "flask":
        assert argv[1:3] == ["--app", "pwa"], command
        flask_command_exists(app, argv[3:])
    elif program == "gunicorn":
        # The platform's variables (${PORT:-8000}) stand for values, as a shell would fill them.
        gunicorn_serves_the_app([re.sub(r"\$\{(\w+)(:-(\w+))?\}", lambda m: m[3] or "5", a)
                                 for a in argv[1:]])
    else:
        raise AssertionError(f"unknown program in {command!r}")
    return program


@pytest.fixture(scope="module")
def served() -> Flask:
    return create_app({"SKILLPATH_ENV": "testing", "SECRET_KEY": "x", "TESTING": True,
                       "SKILLPATH_VAPID_FILE": "",
                       "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_the_procfile_runs_the_release_web_worker_and_scheduler(served: Flask) -> None:
    found = procfile()
    assert sorted(found) == ["release", "scheduler", "web", "worker"]
    assert {name: check(command, served) for name, command in found.items()} == {
        "release": "flask", "web": "gunicorn", "worker": "flask", "scheduler": "flask"}
    assert found["release"].endswith("db upgrade")
    assert found["worker"].endswith("jobs work")
    assert found["scheduler"].endswith("jobs schedule")


def test_the_systemd_units_parse_and_run_the_apps_own_commands(served: Flask) -> None:
    assert [path.name for path in UNITS] == ["skillpath-scheduler.service",
                                             "skillpath-web.service", "skillpath-worker.service"]
    for path in UNITS:
        parsed = unit(path)
        assert {"Unit", "Service", "Install"} <= set(parsed.sections()), path.name
        service: Any = parsed["Service"]
        assert service["EnvironmentFile"] == "/etc/skillpath/skillpath.env"
        assert service["Restart"] == "on-failure"
        command = service["ExecStart"]
        assert command.startswith(service["WorkingDirectory"] + "/.venv/bin/"), command
        check(command, served)


def test_the_environment_example_sets_only_what_the_app_or_gunicorn_reads() -> None:
    names = [line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines()
             if line and not line.startswith("#")]
    known = set(config.defaults("/tmp")) | {"DATABASE_URL", "REDIS_URL", "SECRET_KEY",
                                            "VAPID_PRIVATE_KEY", "WEB_CONCURRENCY"}
    assert [name for name in names if name not in known] == []
    assert {"SKILLPATH_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SKILLPATH_ORIGIN",
            "SKILLPATH_RP_ID"} <= set(names)


def test_the_readme_names_every_setting_the_app_reads() -> None:
    readme = (ROOT / "README.md").read_text()
    settings = {key for key in config.defaults("/tmp") if key.startswith("SKILLPATH_")}
    settings |= {"SKILLPATH_CLOCK_OFFSET", "DATABASE_URL", "REDIS_URL", "SECRET_KEY",
                 "VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"}
    assert sorted(key for key in settings if f"`{key}`" not in readme) == []


def test_a_server_process_builds_the_app_once_and_freezes_it(tmp_path: Path) -> None:
    """What gunicorn imports: the app, built, and everything made up to then frozen, so
    that a full collection in a request walks only what requests made."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SECRET_KEY": "x", "SKILLPATH_VAPID_FILE": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}"}
    env.pop("REDIS_URL", None)
    said = subprocess.run(
        [sys.executable, "-c", "import gc, flask, pwa.wsgi as w; "
         "print(isinstance(w.app, flask.Flask), gc.get_freeze_count())"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert said[0] == "True"
    assert int(said[1]) > 10_000, said  # the app and its libraries, not a handful
