"""The browser the end-to-end tests drive Swagger UI with: Debian's ``chromium``.

Playwright's own browser download needs the internet; Debian's package comes from the
distribution's mirror like every other system package. ``make test`` installs it when it
is missing and we may (root, apt-get present), as it installs the Python packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# A small CJK font, so screenshots show the department's Chinese data instead of boxes.
PACKAGES = ("chromium", "fonts-wqy-microhei")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def ensure_chromium() -> str | None:
    """Install chromium (and a CJK font) with apt-get when it is missing.

    None when the browser is ready, else a line saying why it is not.
    """
    if CHROMIUM.exists():
        return None
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        return (
            f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        )
    sys.stderr.write("installing chromium for the browser tests (apt-get)\n")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt_get, "update", "-qq"], [apt_get, "install", "-y", "-qq", *PACKAGES]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    return None if CHROMIUM.exists() else f"{CHROMIUM} still missing after apt-get install"
