"""The org copy's tables in schema ``kpi`` (columns in shared.org_copy.models)."""

from __future__ import annotations

from services.kpi.db import KpiTable
from shared.org_copy.models import OrgEmployeeBase, OrgEmployeePeriodBase, OrgStandInBase


class OrgEmployee(OrgEmployeeBase, KpiTable, table=True):
    __tablename__ = "org_employees"


class OrgEmployeePeriod(OrgEmployeePeriodBase, KpiTable, table=True):
    __tablename__ = "org_employee_periods"


class OrgStandIn(OrgStandInBase, KpiTable, table=True):
    __tablename__ = "org_stand_ins"
