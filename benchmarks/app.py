"""App speed in a real headless Chromium (issue 8): a benchmark, not a timed test.

    .venv/bin/python benchmarks/app.py [--repeats 10] [--fields 1000]

What it does, in temporary folders that it removes afterwards:

1. Imports the sample cooperative (`sample_data/demo`) into a workspace, adds an admin user and
   serves the app with `agri serve` on a free port.
2. Signs in with Playwright driving the system Chromium, then times, `--repeats` times, the
   navigation from the overview to the field page (a click on "Field" in the sidebar) until the
   page is fully rendered: the script has stopped and the canopy, water-balance and rain charts
   are drawn. Prints every time and the median.
3. Generates a cooperative of `--fields` fields (the test bundle's farms and fields, repeated
   over 50 farms), serves it, and times the navigation to the overview until the map and the
   field table are drawn, first (cold caches) and the median of the others.

Targets (issue 8, on 2 cores): field page under 2 s, 1,000-field overview under 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
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

import pandas as pd
from playwright.sync_api import Page, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.sources.bundle import read_bundle  # noqa: E402
from pipelines.store import access, storage  # noqa: E402
from pipelines.store.importer import import_bundle  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "benchmark-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_workspace(bundle: Path, root: Path) -> storage.Workspace:
    workspace = storage.Workspace(root)
    engine = storage.open_workspace(workspace)
    import_bundle(engine, read_bundle(bundle), workspace)
    cooperative_id = json.loads((bundle / "bundle.json").read_text())["cooperative_id"]
    access.add_user(engine, "bench", PASSWORD, "admin", cooperative_id)
    engine.dispose()
    return workspace


def big_bundle(root: Path, n_fields: int) -> Path:
    """The test bundle grown to `n_fields` fields over 50 farms (boundaries on a grid)."""
    from tests.conftest import write_bundle

    bundle = write_bundle(root)
    farms = pd.DataFrame(
        {
            "farm_id": [f"farm-{i:02d}" for i in range(50)],
            "farm_name": [f"Farm {i:02d}" for i in range(50)],
            "contact_email": "",
        }
    )
    pd.concat([pd.read_csv(bundle / "farms.csv"), farms]).to_csv(bundle / "farms.csv", index=False)
    geo = json.loads((bundle / "fields.geojson").read_text())
    template = geo["features"][0]
    seasons = pd.read_csv(bundle / "seasons.csv")
    template_seasons = seasons[seasons["field_id"] == "A1"]
    new_seasons = []
    for i in range(n_fields - len(geo["features"])):
        feature = json.loads(json.dumps(template))
        dx, dy = 0.006 * (i % 40), 0.003 * (i // 40)
        ring = feature["geometry"]["coordinates"][0]
        feature["geometry"]["coordinates"][0] = [[x + dx, y + dy] for x, y in ring]
        field_id = f"F{i:04d}"
        feature["properties"].update(
            field_id=field_id, farm_id=f"farm-{i % 50:02d}", field_name=f"Field {field_id}"
        )
        geo["features"].append(feature)
        new_seasons.append(template_seasons.assign(field_id=field_id))
    (bundle / "fields.geojson").write_text(json.dumps(geo))
    pd.concat([seasons, *new_seasons]).to_csv(bundle / "seasons.csv", index=False)
    return bundle


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


def sign_in(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_timeout(250)
    wait_rendered(page)
    main = page.get_by_test_id("stMain")
    main.get_by_label("Username").fill("bench")
    main.get_by_label("Password", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Sign in").click()
    expect(main.get_by_role("heading", level=1)).not_to_have_text("Sign in")


def navigate(page: Page, link: str, done: list[str], charts: int = 0, map: bool = False) -> float:
    """Seconds from clicking sidebar `link` until the page's headings and charts are drawn."""
    nav = page.get_by_test_id("stSidebarNav")
    started = time.perf_counter()
    nav.get_by_role("link", name=link, exact=True).click()
    main = page.get_by_test_id("stMain")
    for text in done:
        expect(main.get_by_role("heading", name=text, exact=True)).to_be_visible()
    if map:
        expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_visible()
        expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    if charts:
        # At least `charts` charts (one more with a trained model), each drawn.
        expect(page.get_by_test_id("stVegaLiteChart").nth(charts - 1)).to_be_visible()
        wait_rendered(page)
        for chart in page.get_by_test_id("stVegaLiteChart").all():
            expect(chart.locator("canvas, svg").first).to_be_visible()
    wait_rendered(page)
    return time.perf_counter() - started


def train(workspace: storage.Workspace) -> None:
    from agri_app.cli_models import train_models
    from agri_app.settings import SAMPLE_BUNDLE, Settings

    started = time.perf_counter()
    settings = Settings.from_env(workspace.root)
    result = train_models(settings, read_bundle(SAMPLE_BUNDLE))
    print(f"trained {result.version} in {time.perf_counter() - started:.0f} s")


def shoot(page: Page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 2600})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(folder / f"{name}.png"))
    page.set_viewport_size({"width": 1280, "height": 1000})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--fields", type=int, default=1000)
    parser.add_argument(
        "--train",
        action="store_true",
        help="Train the models on the sample cooperative first (about a minute), so the pages "
        "show forecasts and advice.",
    )
    parser.add_argument("--screenshots", type=Path, help="Save page screenshots in this folder.")
    args = parser.parse_args()
    expect.set_options(timeout=60_000)
    tmp = Path(tempfile.mkdtemp(prefix="agri-bench-app-"))
    xdg = tmp / "xdg"
    launch = {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        "env": {**os.environ, "XDG_CONFIG_HOME": str(xdg), "XDG_CACHE_HOME": str(xdg)},
    }
    try:
        sample = make_workspace(REPO / "sample_data" / "demo", tmp / "sample")
        if args.train:
            train(sample)
        big = make_workspace(big_bundle(tmp / "big-bundle", args.fields), tmp / "big")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**launch)  # type: ignore[arg-type]
            with served(sample, tmp / "sample.log") as url:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.set_default_timeout(60_000)
                sign_in(page, url)
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
                print("field page (sample cooperative), navigation to fully rendered:")
                print("  runs (s): " + ", ".join(f"{t:.2f}" for t in times))
                print(f"  first {times[0]:.2f} s, median {statistics.median(times):.2f} s")
                page.close()
            with served(big, tmp / "big.log") as url:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.set_default_timeout(60_000)
                started = time.perf_counter()
                sign_in(page, url)
                expect(page.get_by_test_id("stDeckGlJsonChart")).to_be_visible()
                expect(page.get_by_test_id("stDataFrame")).to_be_visible()
                wait_rendered(page)
                cold = time.perf_counter() - started
                times = []
                for _ in range(args.repeats):
                    navigate(page, "Models", ["Models"])
                    times.append(
                        navigate(page, "Overview", ["Fields by advice status", "Fields"], map=True)
                    )
                print(f"overview of a {args.fields}-field cooperative:")
                print(f"  sign-in to overview, cold caches: {cold:.2f} s")
                print("  runs (s): " + ", ".join(f"{t:.2f}" for t in times))
                print(f"  median {statistics.median(times):.2f} s")
            browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
