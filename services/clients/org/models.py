"""The org copy's tables in schema ``clients`` (columns in shared.org_copy.models)."""

from __future__ import annotations

from services.clients.db import ClientsTable
from shared.org_copy.models import OrgEmployeeBase, OrgEmployeePeriodBase, OrgStandInBase


class OrgEmployee(OrgEmployeeBase, ClientsTable, table=True):
    __tablename__ = "org_employees"


class OrgEmployeePeriod(OrgEmployeePeriodBase, ClientsTable, table=True):
    __tablename__ = "org_employee_periods"


class OrgStandIn(OrgStandInBase, ClientsTable, table=True):
    __tablename__ = "org_stand_ins"
