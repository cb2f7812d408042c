"""The fake ERP as a real process on a free port, for the sync and reconciliation tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from deploy.test_runner import free_port

ERP_FEED_KEY = "feed-key-for-the-sync-tests"


@contextmanager
def running_fake_erp(
    *, feed_api_key: str | None = ERP_FEED_KEY, log_name: str = "fake_erp_sync.log", **settings: str
) -> Iterator[str]:
    """Start ``python -m deploy.fake_erp`` (``FAKE_ERP_<NAME>`` from ``settings``); its URL."""
    port = free_port()
    log_dir = Path("test-output/logs")
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | {"KAM_LOG_JSON": "true"}
    if feed_api_key is not None:
        env["FAKE_ERP_FEED_API_KEY"] = feed_api_key
    env |= {f"FAKE_ERP_{name.upper()}": value for name, value in settings.items()}
    with (log_dir / log_name).open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "deploy.fake_erp", "--port", str(port)],
            env=env, stdout=output, stderr=output,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the fake ERP exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the fake ERP did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def erp_invoice(
    control: httpx.AsyncClient, number: str, account_ref: str, amount: str, **fields: Any
) -> None:
    body = {
        "document_no": number,
        "account_ref": account_ref,
        "total": {"amount": amount, "currency": "CNY"},
        "issue_date": "2026-10-01",
        "due_lines": [
            {"line_no": 1, "due_date": "2026-11-01",
             "amount": {"amount": amount, "currency": "CNY"}},
        ],
        **fields,
    }  # fmt: skip
    response = await control.post("/control/invoices", json=body)
    assert response.status_code == 201, response.text


async def erp_payment(
    control: httpx.AsyncClient, ref: str, account_ref: str, amount: str, invoice: str | None
) -> None:
    allocations = (
        [{"document_no": invoice, "amount": {"amount": amount, "currency": "CNY"}}]
        if invoice
        else []
    )
    body = {
        "erp_ref": ref,
        "account_ref": account_ref,
        "amount": {"amount": amount, "currency": "CNY"},
        "received_on": "2026-11-20",
        "allocations": allocations,
    }
    response = await control.post("/control/payments", json=body)
    assert response.status_code == 201, response.text


async def set_feed_fault(control: httpx.AsyncClient, **feed: Any) -> None:
    response = await control.put("/control/faults", json={"feed": feed})
    assert response.status_code == 200, response.text
