"""App speed in a real headless Chromium (issue 8): a benchmark, not a timed test.

    .venv/bin/python benchmarks/app.py [--repeats 10] [--fields 1000] [--no-train]
        [--screenshots DIR] [--keep DIR]

What it does, in temporary folders that it removes afterwards (`--keep DIR`: in DIR, kept and
reused by the next run with the same DIR, so the import, the training and the big
cooperative's advice are made once):

1. Imports the sample cooperative (`sample_data/demo`) into a workspace (`agri import`) and,
   with `--train` (the default), trains the models on it with `agri train`, which stores the
   advice of every field. Adds an admin user and serves the app with `agri serve` on a free port.
2. Times, `--repeats` times, each in a fresh browser context (a new session), the sign-in: from
   the click on "Sign in" until the overview is fully rendered (the script has stopped, the map
   and the field table are drawn). Then, signed in, times the navigation from the overview to
   the field page (a click on "Field" in the sidebar) until the page is fully rendered (the
   canopy, water-balance and rain charts drawn). Prints every time, the first and the median.
3. Grows the sample bundle to `--fields` fields (`benchmarks/refresh.py`'s `grow_bundle`: the
   sample's fields and replicas of them with their histories), imports it into a second
   workspace, copies the sample's models in and stores the advice of every field with
   `refresh_advice` before serving, so the pages show stored advice; times the sign-in there.

Targets (issue, on 2 cores): sign-in to a rendered overview under 2 s for the sample and under
3 s for a 1,000-field cooperative; the field page under 1 s. Pages read stored advice only, so
none of these includes computing advice.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agri_app.settings import SAMPLE_BUNDLE, Settings  # noqa: E402
from benchmarks.refresh import agri, agri_import, grow_bundle  # noqa: E402
from pipelines.store import access, storage  # noqa: E402
from pipelines.store.loader import cooperative_ids  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "benchmark-password"
SIGN_IN_TARGET_S = {"sample": 2.0, "big": 3.0}
FIELD_PAGE_TARGET_S = 1.0
VIEWPORT: ViewportSize = {"width": 1280, "height": 1000}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_workspace(bundle: Path, root: Path) -> storage.Workspace:
    """`agri import BUNDLE` into a new workspace at `root`, with an admin user `bench`."""
    engine = agri_import(bundle, root)
    (cooperative_id,) = cooperative_ids(engine)
    access.add_user(engine, "bench", PASSWORD, "admin", cooperative_id)
    engine.dispose()
    return storage.Workspace(root)


@contextmanager
def served(workspace: storage.Workspace, log: Path) -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "agri_app.cli", "serve", "--workspace", str(workspace.root)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"app did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=10)


def wait_rendered(page: Page) -> None:
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached"
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)
    expect(page.get_by_test_id("stSpinner")).to_have_count(0)


def open_sign_in(page: Page, url: str) -> None:
    """Load the app and fill the sign-in form (not yet submitted)."""
    page.goto(url)
    page.wait_for_timeout(250)
    wait_rendered(page)
    main = page.get_by_test_id("stMain")
    main.get_by_label("Username").fill("bench")
    main.get_by_label("Password", exact=True).fill(PASSWORD)


def wait_overview(page: Page, with_advice: bool) -> None:
    """Until the overview is fully rendered: headings, map canvas, field table, script done."""
    main = page.get_by_test_id("stMain")
    for text in ("Fields by advice status", "Fields"):
        expect(main.get_by_role("heading", name=text, exact=True)).to_be_visible()
    if with_advice:  # the stored advice is shown, not the "train a model" hint
        expect(main.get_by_text(re.compile(r"^Advice as of "))).to_be_visible()
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    wait_rendered(page)


def sign_in(page: Page, url: str, with_advice: bool) -> float:
    """Seconds from the click on "Sign in" until the overview is fully rendered."""
    open_sign_in(page, url)
    started = time.perf_counter()
    page.get_by_test_id("stMain").get_by_role("button", name="Sign in").click()
    wait_overview(page, with_advice)
    return time.perf_counter() - started


def sign_in_times(browser: Browser, url: str, repeats: int, with_advice: bool) -> list[float]:
    """The sign-in, `repeats` times, each in a fresh browser context (a new app session)."""
    times = []
    for _ in range(repeats):
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(60_000)
        times.append(sign_in(page, url, with_advice))
        context.close()
    return times


def navigate(page: Page, link: str, done: list[str], charts: int = 0) -> float:
    """Seconds from clicking sidebar `link` until the page's headings and charts are drawn."""
    nav = page.get_by_test_id("stSidebarNav")
    started = time.perf_counter()
    nav.get_by_role("link", name=link, exact=True).click()
    main = page.get_by_test_id("stMain")
    for text in done:
        expect(main.get_by_role("heading", name=text, exact=True)).to_be_visible()
    if charts:
        # At least `charts` charts (one more with a trained model), each drawn.
        expect(page.get_by_test_id("stVegaLiteChart").nth(charts - 1)).to_be_visible()
        wait_rendered(page)
        for chart in page.get_by_test_id("stVegaLiteChart").all():
            expect(chart.locator("canvas, svg").first).to_be_visible()
    wait_rendered(page)
    return time.perf_counter() - started


def train(workspace: storage.Workspace) -> None:
    """`agri train`: the models on the workspace's data, then its advice stored."""
    started = time.perf_counter()
    output = agri("train", "--workspace", str(workspace.root))
    summary = [line for line in output.splitlines() if line.startswith(("model ", "advice "))]
    print(f"agri train: {time.perf_counter() - started:.0f} s; " + "; ".join(summary))


def store_advice(sample: storage.Workspace, big: storage.Workspace) -> None:
    """The sample's models copied into `big`, then the advice of every field stored."""
    from agri_app.advice_service import refresh_advice

    settings = Settings.from_env(big.root)
    shutil.copytree(sample.models_dir, big.models_dir, dirs_exist_ok=True)
    engine = storage.open_workspace(big)
    started = time.perf_counter()
    result = refresh_advice(engine, settings, trigger="benchmark")
    engine.dispose()
    print(
        f"stored the advice of {result.computed} fields of the big cooperative in "
        f"{time.perf_counter() - started:.1f} s (run {result.run.run_id})"
    )


# (width, height of the whole page): a desktop and a phone (the 1440 and 390 px).
SHOT_SIZES = ((1440, 3000), (390, 6500))


def shoot(page: Page, folder: Path, name: str) -> None:
    """The whole page at each of `SHOT_SIZES` (Streamlit scrolls inside its main area, so the
    window is made as tall as the page)."""
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in SHOT_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(2500)
        page.screenshot(path=str(folder / f"{name}_{width}.png"))
    page.set_viewport_size(VIEWPORT)


def report(label: str, times: list[float], target_s: float) -> float:
    median = statistics.median(times)
    print(f"{label}:")
    print("  runs (s): " + ", ".join(f"{t:.2f}" for t in times))
    verdict = "met" if median < target_s else "MISSED"
    print(f"  first {times[0]:.2f} s, median {median:.2f} s (target < {target_s:.0f} s: {verdict})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--fields", type=int, default=1000)
    parser.add_argument(
        "--train",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Train the models on the sample cooperative first (about a minute), so the pages "
        "show forecasts and advice (default); --no-train serves the pages without a model.",
    )
    parser.add_argument("--screenshots", type=Path, help="Save page screenshots in this folder.")
    parser.add_argument(
        "--keep",
        type=Path,
        help="Build the workspaces in this folder and keep them; a later run with the same "
        "folder reuses them (same --fields and --train).",
    )
    args = parser.parse_args()
    expect.set_options(timeout=60_000)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="agri-bench-app-"))
    xdg = tmp / "xdg"
    launch = {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        "env": {**os.environ, "XDG_CONFIG_HOME": str(xdg), "XDG_CACHE_HOME": str(xdg)},
    }
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    try:
        ready = tmp / "workspaces-ready"
        if ready.exists():
            print(f"reusing the workspaces in {tmp}")
            sample, big = storage.Workspace(tmp / "sample"), storage.Workspace(tmp / "big")
        else:
            sample = make_workspace(SAMPLE_BUNDLE, tmp / "sample")
            if args.train:
                train(sample)
            big = make_workspace(
                grow_bundle(SAMPLE_BUNDLE, tmp / "big-bundle", args.fields), tmp / "big"
            )
            if args.train:
                store_advice(sample, big)
            if args.keep is not None:
                ready.write_text(f"fields={args.fields} train={args.train}\n")
        medians = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**launch)  # type: ignore[arg-type]
            with served(sample, tmp / "sample.log") as url:
                times = sign_in_times(browser, url, args.repeats, args.train)
                medians["sample"] = report(
                    "sign-in to the rendered overview (sample cooperative, 96 fields)",
                    times,
                    SIGN_IN_TARGET_S["sample"],
                )
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(60_000)
                sign_in(page, url, args.train)
                times = []
                for _ in range(args.repeats):
                    navigate(page, "Overview", ["Fields by advice status"])
                    times.append(
                        navigate(page, "Field", ["Canopy: NDVI and NDRE by season", "Field map"], 4)
                    )
                if args.screenshots:
                    shoot(page, args.screenshots, "bench_field")
                    navigate(page, "Overview", ["Fields by advice status"])
                    expect(page.get_by_test_id("stDeckGlJsonChart")).to_be_visible()
                    shoot(page, args.screenshots, "bench_overview")
                medians["field"] = report(
                    "field page (sample cooperative), navigation to fully rendered",
                    times,
                    FIELD_PAGE_TARGET_S,
                )
                page.close()
            with served(big, tmp / "big.log") as url:
                times = sign_in_times(browser, url, args.repeats, args.train)
                medians["big"] = report(
                    f"sign-in to the rendered overview ({args.fields}-field cooperative)",
                    times,
                    SIGN_IN_TARGET_S["big"],
                )
            browser.close()
        print(
            f"summary: sign-in to overview {medians['sample']:.2f} s on the sample (target < "
            f"{SIGN_IN_TARGET_S['sample']:.0f} s), {medians['big']:.2f} s on {args.fields} "
            f"fields (target < {SIGN_IN_TARGET_S['big']:.0f} s); field page "
            f"{medians['field']:.2f} s (target < {FIELD_PAGE_TARGET_S:.0f} s); medians of "
            f"{args.repeats}{'' if args.train else ', without a model'}; load average now "
            f"{os.getloadavg()[0]:.2f}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
