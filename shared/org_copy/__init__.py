"""The read-only copy of staff's organisation that clients and kpi keep (DESIGN.md "Org data
in other services"), written once.

Each service binds it to its own schema in a thin ``org/`` module: its table classes derive
from :mod:`shared.org_copy.models`, its repository and service from
:mod:`shared.org_copy.repository` and :mod:`shared.org_copy.service`. Two tables per schema:

- ``org_employees``: each employee's current state (the hot path: scoping, owners);
- ``org_employee_periods``: every state the copy has held, dated ``valid_from``/``valid_to``
  (``valid_to`` null for the current one), so a rule can ask who reported to whom, or which
  department someone was in, at a date.
"""
