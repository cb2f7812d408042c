"""HTTP endpoint of a cycle's collection of actuals (取数)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from services.kpi.access import RUN_CYCLES
from services.kpi.collection.schemas import CollectionSummary
from services.kpi.dependencies import ActualsCollectionDep
from shared.auth.policy import authenticate
from shared.auth.principal import Principal
from shared.errors import problem_responses
from shared.pagination import IdPath

router = APIRouter(prefix="/v1/kpi/cycles", tags=["cycles"])

COLLECTING = """
Fetches the cycle's period's facts for every automatic indicator (its `metric`) of every
appraisal not yet final (pending self-assessment, manager review or calibration) from the
clients service's metrics batch (`POST /v1/clients/metrics/batch`, one request per 1,000
employees), and for each value:

- records a **snapshot** (`source: clients_metrics`, the metric, the period and the fetch
  time in its note) so a closed appraisal can be explained later even if client data
  changes; the item shows the latest snapshot;
- copies it onto the item; a sheet already scored (after manager review) is scored again
  (a calibrated final score stays);
- records one `actuals_collected` event per appraisal and one entry in the KPI audit log.

Allowed while the cycle is collecting, in self-review, manager review or calibration;
collecting again before closing adds new snapshots (audited the same way).

A metric the clients service does not provide (an indicator naming a metric it does not
know) is listed in `metrics_missing`; a rate the clients service
reports as null (its base is zero, e.g. no visit planned) writes nothing for that employee
and counts in `values_missing`. An unreachable, slow or broken clients service is a
502/503/504 and nothing is written.

**Crediting** (accounts that changed owner mid-period) is the clients service's: a fact is
credited to the employee recorded on it when it happened — a contract to the account's
owner on the day it was signed, a completed visit to its assignee then, a ticket and a
survey to the account's owner then, churn to the owner when the account was lost — never to
whoever owns the account today. See the description of
[`POST /v1/clients/metrics/batch`](/docs#/metrics/metrics-metrics_batch) and
docs/contracts.md ("kpi → clients: metrics batch").
"""


@router.post(
    "/{cycle_id}/collect-actuals",
    dependencies=[Depends(RUN_CYCLES)],
    response_model=CollectionSummary,
    summary="Collect the automatic indicators' actuals of the cycle from the clients service",
    description=COLLECTING,
    responses=problem_responses(401, 403, 404, 409, 422, 502, 503, 504),
)
async def collect_actuals(
    cycle_id: IdPath,
    service: ActualsCollectionDep,
    principal: Annotated[Principal, Depends(authenticate)],
) -> CollectionSummary:
    return await service.collect(
        cycle_id, actor=principal.subject, actor_employee_id=principal.employee_id
    )
