"""What the browser tests share: Chromium's path and launch arguments, Streamlit's idle marker, and a Streamlit server
started on a free port for the length of a test module."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # Streamlit has finished running the script
START_SECONDS = 90


def require_chromium() -> None:
    """Skip the test, saying why, on a machine without Debian's Chromium."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run this test")


def launch(playwright):
    """Chromium from the system, never a downloaded one."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(script: Path) -> Iterator[str]:
    """`streamlit run script` on a free local port; yields its URL once `/_stcore/health` answers, stops it after."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                                "--server.address", "127.0.0.1", "--server.port", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit run {script.name} did not start within {START_SECONDS} s")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def two_basin_payload(**options) -> dict:
    """The player's payload for Adam and Adam+CM from three starts in two_basin's sharp basin, 120 steps, with the
    teaching overlays following Adam+CM's first run and every run's basin lane (the browser tests' common case)."""
    import numpy as np

    from experiments.run import run
    from experiments.teaching import teaching_trace
    from export.player import basin_tracks, build_payload, landscape_picture
    from landscapes import build_landscape

    landscape = build_landscape("two_basin:sharpness=16")
    starts = np.array([[-1.25, 0.3], [-0.8, -0.25], [-1.1, -0.4]])
    results = {label: run(landscape, spec, starts, 120) for label, spec in
               (("Adam (lr=0.05)", "adam:lr=0.05"), ("Adam+CM (lr=0.05)", "adam_cm:lr=0.05"))}
    trace = teaching_trace(landscape, "adam_cm:lr=0.05", starts[0], 120)
    tracks = {label: basin_tracks(landscape, result) for label, result in results.items()}
    return build_payload(landscape, results, landscape_picture(landscape), teaching=trace,
                         follow=("Adam+CM (lr=0.05)", 0), basins=tracks, **options)
