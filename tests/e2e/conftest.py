"""E2E fixtures: `agri serve` on a real workspace, driven by Debian's Chromium via Playwright.

Playwright cannot download its own browser offline, so the browser is the system Chromium,
selected by overriding pytest-playwright's `browser_type_launch_args`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pipelines.sources.bundle import read_bundle
from pipelines.store import access, storage
from pipelines.store.importer import import_bundle
from tests.conftest import REPO, write_bundle

E2E_PASSWORD = "e2e-password-1"

ARTIFACTS = REPO / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    if not Path(CHROMIUM).exists():
        message = f"chromium not found at {CHROMIUM}; run the tests with `make test`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    xdg = tmp_path_factory.mktemp("chromium-xdg")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
        "env": {
            **os.environ,
            "XDG_CONFIG_HOME": str(xdg / "config"),
            "XDG_CACHE_HOME": str(xdg / "cache"),
        },
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def e2e_workspace(tmp_path_factory: pytest.TempPathFactory) -> storage.Workspace:
    """The workspace `served_workspace` serves: the test bundle and its users."""
    root = tmp_path_factory.mktemp("e2e")
    workspace = storage.Workspace(root / "ws")
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(write_bundle(root / "bundle")), workspace)
    access.add_user(engine, "admin", E2E_PASSWORD, "admin", "coop-test")
    access.add_user(engine, "member-a", E2E_PASSWORD, "member", "coop-test", ["farm-a"])
    # Users of the session tests alone, whose sessions those tests end.
    access.add_user(engine, "session-agro", E2E_PASSWORD, "agronomist", "coop-test")
    access.add_user(engine, "session-member", E2E_PASSWORD, "member", "coop-test", ["farm-a"])
    access.add_user(engine, "session-revoked", E2E_PASSWORD, "member", "coop-test", ["farm-a"])
    access.add_user(engine, "reset-me", E2E_PASSWORD, "member", "coop-test", ["farm-b"])
    engine.dispose()
    return workspace


@pytest.fixture(scope="session")
def served_workspace(e2e_workspace: storage.Workspace) -> Iterator[str]:
    """`agri serve` on `e2e_workspace`; yields the app's URL."""
    workspace = e2e_workspace
    root = workspace.root.parent
    port = _free_port()
    log = root / "server.log"
    command = [
        sys.executable,
        "-m",
        "agri_app.cli",
        "serve",
        "--workspace",
        str(workspace.root),
        "--port",
        str(port),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"agri serve exited {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app not healthy within 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


def wait_for_app(page: Page, timeout_ms: int = 30_000) -> None:
    """Block until the websocket is connected and the script has finished running."""
    page.wait_for_timeout(250)
    page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for(
        state="attached", timeout=timeout_ms
    )
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=timeout_ms
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)


@pytest.fixture
def st_wait() -> Callable[[Page], None]:
    return wait_for_app


def sign_in(page: Page, url: str, username: str, password: str = E2E_PASSWORD) -> None:
    """Open the app and sign in through the form."""
    page.goto(url)
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    main.get_by_label("Username").fill(username)
    main.get_by_label("Password", exact=True).fill(password)
    main.get_by_role("button", name="Sign in").click()
    wait_for_app(page)


@pytest.fixture
def signed_in_page() -> Callable[..., None]:
    return sign_in


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    def take(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take
