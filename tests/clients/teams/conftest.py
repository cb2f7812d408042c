"""The clients service with the small department and a service queue (department 7, the
after-sales group 售后支持组) whose members serve accounts outside their own line."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.clients.conftest import DEPARTMENT, employee_event, feed_org

SERVICE_QUEUE, ELSEWHERE = 7, 8
# Two after-sales people in the queue, and a stranger in a department that is no queue.
AFTER_SALES, FINANCE_LIAISON, STRANGER, SUCCESSOR = 960, 961, 962, 963
OUTSIDERS = [
    employee_event(AFTER_SALES, department_id=SERVICE_QUEUE),
    employee_event(FINANCE_LIAISON, department_id=SERVICE_QUEUE),
    employee_event(SUCCESSOR, department_id=SERVICE_QUEUE),
    employee_event(STRANGER, department_id=ELSEWHERE),
]


@pytest.fixture
async def clients(clients_app: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    app, client = clients_app
    app.state.settings = app.state.settings.model_copy(update={"service_queues": [SERVICE_QUEUE]})
    await feed_org(client, [*DEPARTMENT, *OUTSIDERS])
    return client
