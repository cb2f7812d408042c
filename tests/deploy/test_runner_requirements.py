"""The test runner refuses a virtualenv that does not match requirements.lock, naming the pins.

(A venv installed before aiosmtpd was added made the SMTP sink exit with code 1 on its
import, which a test only reported as "smtp_sink exited with code 1".)
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from deploy.test_runner import LOCK, stale_requirements


def test_a_missing_or_other_version_pin_is_named(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    httpx = version("httpx")
    lock.write_text(
        "# comment line\n"
        f"httpx=={httpx}\n    # via kam (pyproject.toml)\n"
        "no-such-kam-package==1.0\n"
        "pydantic==0.0.1\n"
        f"uvicorn[standard]=={version('uvicorn')}\n",
        encoding="utf-8",
    )
    assert stale_requirements(lock) == [
        "no-such-kam-package==1.0 (not installed)",
        f"pydantic==0.0.1 ({version('pydantic')})",
    ]


def test_this_virtualenv_matches_the_lock() -> None:
    assert stale_requirements(LOCK) == []
