"""``/v1/staff/audit``: the staff audit log, for administrators."""

from services.staff.audit.models import StaffAuditEntry
from shared.audit_log import audit_router

router = audit_router(StaffAuditEntry, "/v1/staff/audit", "staff-audit")
