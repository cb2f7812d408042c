"""Importing company sign-on (authlib's httpx client) leaves the logs and pytest's output
clean: authlib 1.9's warning about falling back to httpx is silenced at the import site,
and only that one."""

import subprocess
import sys

PROBE = """
import warnings
import services.staff.identity.company_sign_on
from authlib.deprecate import AuthlibDeprecationWarning, deprecate
with warnings.catch_warnings(record=True) as seen:
    deprecate("another deprecation")
print(sum(issubclass(w.category, AuthlibDeprecationWarning) for w in seen))
"""


def test_import_prints_no_httpx_deprecation_but_others_still_show() -> None:
    # A fresh interpreter: the warning is given once, on the module's first import.
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "httpx module is deprecated" not in done.stderr
    assert "AuthlibDeprecationWarning" not in done.stderr
    assert done.stdout.strip() == "1"  # authlib's other deprecations are not swallowed
