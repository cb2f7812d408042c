"""The answer of a collection of actuals (取数结果)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.kpi.appraisals.schemas import ActualSource


class SourceLineage(BaseModel):
    """Where one source's values came from: the request, when, for whom and what."""

    source: ActualSource = Field(description="As on the snapshots (clients_metrics, …).")
    indicator_source: str = Field(description="The indicators' source: clients or staff.")
    endpoint: str = Field(examples=["POST /v1/staff/qualifications/metrics/batch"])
    request_id: str | None = Field(description="The request id sent with it (propagated).")
    fetched_at: datetime = Field(description="When the first source was asked.")
    metrics: list[str]
    employees: int


class CollectionSummary(BaseModel):
    """What one collection fetched and wrote."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": 7,
                    "period": "2026-11",
                    "sources": [
                        {
                            "source": "clients_metrics",
                            "indicator_source": "clients",
                            "endpoint": "POST /v1/clients/metrics/batch",
                            "request_id": "0f5c2d7e9a8b4c1d",
                            "fetched_at": "2026-12-01T02:00:00Z",
                            "metrics": ["collection_rate"],
                            "employees": 12,
                        }
                    ],
                    "appraisals": 12,
                    "items_updated": 40,
                    "values_missing": 3,
                    "metrics_missing": [],
                    "fetched_at": "2026-12-01T02:00:00Z",
                }
            ]
        }
    )

    cycle_id: int
    period: str
    sources: list[SourceLineage] = Field(
        description="Each indicator source collected in this run, with its lineage."
    )
    appraisals: int = Field(
        description="Appraisals not yet final with at least one automatic indicator."
    )
    items_updated: int = Field(description="Items given a new actual (one snapshot each).")
    values_missing: int = Field(
        description="Items whose metric the source reports as undefined for the employee "
        "(a rate whose base is zero, e.g. no visit planned); they keep their actual, if any."
    )
    metrics_missing: list[str] = Field(
        description="Metrics the source does not provide (yet): their items get no actual."
    )
    fetched_at: datetime = Field(description="When the first source was asked.")
