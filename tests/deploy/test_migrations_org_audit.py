"""The dated org copy and the shared audit shape keep what was there before them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from tests.deploy.test_migrations_with_data import ServiceSchema, demo_database  # noqa: F401
from tests.settings import TestSettings

BEFORE = {"clients": "5d0c1a7e2b09", "kpi": "7cceae6192e9", "staff": "5b1f3c9a7d20"}
EARLY = datetime(2000, 1, 1, tzinfo=UTC)
OLD_AUDIT = {
    "clients": (
        "INSERT INTO clients.audit_log (actor_employee_id, entity, entity_id, account_id, "
        "action, before, after) VALUES (987654, 'account', 42, 42, 'update', "
        '\'{"short_name": "旧"}\', \'{"short_name": "新"}\'), '
        "(987654, 'access', 0, NULL, 'denied', NULL, '{\"path\": \"/v1/clients/audit\"}')"
    ),
    "kpi": (
        "INSERT INTO kpi.audit_log (actor, entity, entity_id, action, detail) "
        "VALUES ('user:migr', 'cycle', '3', 'cycle_state_changed', '{\"from\": \"open\"}')"
    ),
    "staff": (
        "INSERT INTO staff.audit_log (actor, entity, entity_id, action, detail) "
        "VALUES ('user:migr', 'user', '9', 'user_deactivated', '{\"reason\": \"departure\"}')"
    ),
}


async def test_existing_rows_survive_and_are_dated(
    demo_database: str,  # noqa: F811
    test_settings: TestSettings,
) -> None:
    for service in ("clients", "kpi", "staff"):
        schema = ServiceSchema(demo_database, service, test_settings.role_prefix)
        try:
            await schema.downgrade(BEFORE[service])
            async with schema.engine.begin() as conn:
                await conn.execute(text(OLD_AUDIT[service]))
                if service != "staff":
                    await conn.execute(
                        text(
                            f"INSERT INTO {service}.org_employees (employee_id, employee_no, "
                            "name, position_code, department_id, manager_id, status, version) "
                            "VALUES (987001, 'E987001', '甲', 'KA-MGR', 1, NULL, 'active', 3), "
                            "(987002, 'E987002', '乙', 'KA-SPEC', 1, 987001, 'on_leave', 1)"
                        )
                    )
                    org = await conn.execute(
                        text(f"SELECT employee_id, manager_id FROM {service}.org_employees")
                    )
                    copy_before = sorted(tuple(row) for row in org)
            await schema.upgrade("head")
            async with schema.engine.connect() as conn:
                audit = await conn.execute(
                    text(
                        f"SELECT service, entity_id, action, before, after "
                        f"FROM {service}.audit_log "
                        "WHERE actor_employee_id = 987654 OR actor = 'user:migr' "
                        "ORDER BY id"
                    )
                )
                rows = [tuple(row) for row in audit]
                if service != "staff":
                    current = await conn.execute(
                        text(
                            f"SELECT employee_id, manager_id, valid_from "
                            f"FROM {service}.org_employees"
                        )
                    )
                    periods = await conn.execute(
                        text(
                            f"SELECT employee_id, manager_id, valid_from, valid_to "
                            f"FROM {service}.org_employee_periods"
                        )
                    )
                    current_rows = sorted(tuple(row) for row in current)
                    period_rows = sorted(tuple(row) for row in periods)
            if service == "clients":
                assert rows == [
                    ("clients", "42", "update", {"short_name": "旧"}, {"short_name": "新"}),
                    ("clients", "0", "access_denied", None, {"path": "/v1/clients/audit"}),
                ]
            elif service == "kpi":
                assert rows == [("kpi", "3", "cycle_state_changed", None, {"from": "open"})]
            else:
                assert rows == [("staff", "9", "user_deactivated", None, {"reason": "departure"})]
            if service != "staff":
                assert copy_before[-2:] == [(987001, None), (987002, 987001)]
                assert [(e, m) for e, m, _ in current_rows] == copy_before
                assert {valid_from for *_, valid_from in current_rows} == {EARLY}
                assert period_rows == [(e, m, EARLY, None) for e, m in copy_before]
        finally:
            await schema.engine.dispose()
