"""The answer of a collection of actuals (取数结果)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.kpi.appraisals.schemas import ActualSource


class CollectionSummary(BaseModel):
    """What one collection fetched and wrote."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": 7,
                    "period": "2026-11",
                    "source": "clients_metrics",
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
    source: ActualSource
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
    fetched_at: datetime
