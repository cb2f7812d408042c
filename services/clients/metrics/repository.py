"""The metrics query: every fact of a period for many employees in one SQL statement.

Each fact is credited to the employee stored on the fact when it happened (see
``docs/contracts.md``, "Crediting"), so the query groups by that column and never looks
at who owns the account today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

_METRICS_SQL = text(
    """
WITH emp AS (
    SELECT DISTINCT unnest(CAST(:ids AS integer[])) AS employee_id
),
signed AS (
    SELECT owner_id, count(*) AS contracts, sum(amount_base) AS value
    FROM clients.contracts
    WHERE status <> 'draft' AND signed_on BETWEEN :d0 AND :d1
      AND owner_id = ANY(CAST(:ids AS integer[]))
    GROUP BY owner_id
),
first_signed AS (
    SELECT DISTINCT ON (c.account_id) c.account_id, c.owner_id, c.signed_on
    FROM clients.contracts c
    WHERE c.status <> 'draft' AND c.signed_on IS NOT NULL
      AND c.account_id IN (
          SELECT account_id FROM clients.contracts
          WHERE status <> 'draft' AND signed_on BETWEEN :d0 AND :d1
            AND owner_id = ANY(CAST(:ids AS integer[]))
      )
    ORDER BY c.account_id, c.signed_on, c.id
),
new_accounts AS (
    SELECT owner_id, count(*) AS accounts
    FROM first_signed
    WHERE signed_on BETWEEN :d0 AND :d1
    GROUP BY owner_id
),
planned AS (
    SELECT owner_id,
           count(*) FILTER (WHERE status <> 'cancelled') AS planned,
           count(*) FILTER (WHERE status = 'completed') AS done
    FROM clients.visits
    WHERE planned_on BETWEEN :d0 AND :d1 AND owner_id = ANY(CAST(:ids AS integer[]))
    GROUP BY owner_id
),
completed AS (
    SELECT owner_id, count(*) AS visits
    FROM clients.visits
    WHERE status = 'completed' AND visited_on BETWEEN :d0 AND :d1
      AND owner_id = ANY(CAST(:ids AS integer[]))
    GROUP BY owner_id
),
tickets AS (
    SELECT owner_id,
           count(*) FILTER (WHERE opened_at >= :t0 AND opened_at < :t1) AS opened,
           count(*) FILTER (WHERE resolved_at >= :t0 AND resolved_at < :t1) AS resolved,
           count(*) FILTER (
               WHERE resolved_at >= :t0 AND resolved_at < :t1
                 AND resolve_by IS NOT NULL AND resolved_at <= resolve_by
           ) AS within_sla,
           count(*) FILTER (
               WHERE resolve_by >= :t0 AND resolve_by < :t1 AND resolve_by < :now
                 AND (resolved_at IS NULL OR resolved_at >= :t1)
           ) AS overdue
    FROM clients.tickets
    WHERE owner_id = ANY(CAST(:ids AS integer[]))
      AND ((opened_at >= :t0 AND opened_at < :t1)
           OR (resolved_at >= :t0 AND resolved_at < :t1)
           OR (resolve_by >= :t0 AND resolve_by < :t1))
    GROUP BY owner_id
),
surveys AS (
    SELECT owner_id, count(*) AS surveys, sum(score) AS total
    FROM clients.satisfaction_surveys
    WHERE surveyed_on BETWEEN :d0 AND :d1 AND owner_id = ANY(CAST(:ids AS integer[]))
    GROUP BY owner_id
),
churned AS (
    SELECT owner_id, count(DISTINCT account_id) AS accounts
    FROM clients.account_status_history
    WHERE to_status = 'lost' AND changed_at >= :t0 AND changed_at < :t1
      AND owner_id = ANY(CAST(:ids AS integer[]))
    GROUP BY owner_id
),
due AS (
    SELECT i.owner_id, sum(l.amount_base) AS amount
    FROM clients.invoices i JOIN clients.invoice_lines l ON l.invoice_id = i.id
    WHERE i.owner_id = ANY(CAST(:ids AS integer[])) AND i.status <> 'cancelled'
      AND l.due_date BETWEEN :d0 AND :d1
    GROUP BY i.owner_id
),
arrears AS (
    SELECT i.owner_id, sum(GREATEST(l.amount_base - COALESCE(before.amount, 0), 0)) AS amount
    FROM clients.invoices i JOIN clients.invoice_lines l ON l.invoice_id = i.id
    LEFT JOIN LATERAL (
        SELECT sum(pa.amount_base) AS amount
        FROM clients.payment_allocations pa JOIN clients.payments p ON p.id = pa.payment_id
        WHERE pa.invoice_line_id = l.id AND p.received_on < :d0
          AND (p.status = 'received' OR p.reversed_on >= :d0)
    ) before ON true
    WHERE i.owner_id = ANY(CAST(:ids AS integer[])) AND i.status <> 'cancelled'
      AND l.due_date < :d0
    GROUP BY i.owner_id
),
collected AS (
    SELECT i.owner_id, sum(pa.amount_base) AS amount
    FROM clients.payments p
    JOIN clients.payment_allocations pa ON pa.payment_id = p.id
    JOIN clients.invoice_lines l ON l.id = pa.invoice_line_id
    JOIN clients.invoices i ON i.id = l.invoice_id
    WHERE p.received_on BETWEEN :d0 AND :d1 AND p.status = 'received'
      AND p.source <> 'write_off' AND l.due_date <= :d1
      AND i.owner_id = ANY(CAST(:ids AS integer[])) AND i.status <> 'cancelled'
    GROUP BY i.owner_id
),
invoiced AS (
    SELECT owner_id, sum(amount_base) AS amount
    FROM clients.invoices
    WHERE owner_id = ANY(CAST(:ids AS integer[])) AND status <> 'cancelled'
      AND issue_date BETWEEN :d0 AND :d1
    GROUP BY owner_id
),
billed_by_end AS (
    SELECT i.owner_id, sum(l.amount_base) AS amount
    FROM clients.invoices i JOIN clients.invoice_lines l ON l.invoice_id = i.id
    WHERE i.owner_id = ANY(CAST(:ids AS integer[])) AND i.status <> 'cancelled'
      AND i.issue_date <= :d1
    GROUP BY i.owner_id
),
paid_by_end AS (
    SELECT i.owner_id, sum(pa.amount_base) AS amount
    FROM clients.payments p
    JOIN clients.payment_allocations pa ON pa.payment_id = p.id
    JOIN clients.invoice_lines l ON l.id = pa.invoice_line_id
    JOIN clients.invoices i ON i.id = l.invoice_id
    WHERE p.received_on <= :d1 AND (p.status = 'received' OR p.reversed_on > :d1)
      AND i.owner_id = ANY(CAST(:ids AS integer[])) AND i.status <> 'cancelled'
      AND i.issue_date <= :d1
    GROUP BY i.owner_id
),
opp_created AS (
    SELECT owner_id, count(*) AS opportunities
    FROM clients.opportunity_stage_changes
    WHERE from_stage_code IS NULL AND changed_at >= :t0 AND changed_at < :t1
      AND owner_id = ANY(CAST(:ids AS integer[]))
    GROUP BY owner_id
),
base_rate AS (
    SELECT DISTINCT ON (currency) currency, rate
    FROM clients.exchange_rates
    WHERE effective_on <= :d1
    ORDER BY currency, effective_on DESC
),
opp_closed AS (
    SELECT c.owner_id,
           count(*) FILTER (WHERE s.outcome = 'won') AS won,
           count(*) FILTER (WHERE s.outcome = 'lost') AS lost,
           sum(round(o.amount * COALESCE(r.rate, 1), 2)) FILTER (
               WHERE s.outcome = 'won' AND (o.currency = :base OR r.rate IS NOT NULL)
           ) AS won_value
    FROM clients.opportunity_stage_changes c
    JOIN clients.pipeline_stages s ON s.code = c.to_stage_code
    JOIN clients.opportunities o ON o.id = c.opportunity_id
    LEFT JOIN base_rate r ON r.currency = o.currency AND o.currency <> :base
    WHERE s.outcome IN ('won', 'lost') AND c.changed_at >= :t0 AND c.changed_at < :t1
      AND c.owner_id = ANY(CAST(:ids AS integer[]))
    GROUP BY c.owner_id
),
opp_open AS (
    SELECT o.owner_id, sum(round(o.amount * COALESCE(r.rate, 1), 2)) AS value
    FROM clients.opportunities o
    LEFT JOIN base_rate r ON r.currency = o.currency AND o.currency <> :base
    WHERE o.status = 'open' AND o.expected_close_month BETWEEN :d0 AND :d1
      AND (o.currency = :base OR r.rate IS NOT NULL)
      AND o.owner_id = ANY(CAST(:ids AS integer[]))
    GROUP BY o.owner_id
),
owner_at_start AS (
    SELECT DISTINCT ON (account_id) account_id, to_employee_id AS owner_id
    FROM clients.ownership_history
    WHERE changed_at < :t0
    ORDER BY account_id, changed_at DESC, id DESC
),
held_at_start AS (
    SELECT o.owner_id, count(*) AS accounts
    FROM owner_at_start o
    JOIN clients.accounts a ON a.id = o.account_id
    LEFT JOIN LATERAL (
        SELECT s.to_status FROM clients.account_status_history s
        WHERE s.account_id = o.account_id AND s.changed_at < :t0
        ORDER BY s.changed_at DESC, s.id DESC LIMIT 1
    ) before ON true
    LEFT JOIN LATERAL (
        SELECT s.from_status FROM clients.account_status_history s
        WHERE s.account_id = o.account_id AND s.changed_at >= :t0
        ORDER BY s.changed_at, s.id LIMIT 1
    ) after ON true
    WHERE o.owner_id = ANY(CAST(:ids AS integer[]))
      AND COALESCE(before.to_status, after.from_status, a.status) NOT IN ('lost', 'archived')
    GROUP BY o.owner_id
)
SELECT emp.employee_id,
       COALESCE(signed.contracts, 0) AS contracts_signed,
       COALESCE(signed.value, 0) AS contract_value_signed,
       COALESCE(new_accounts.accounts, 0) AS new_accounts_signed,
       COALESCE(planned.planned, 0) AS visits_planned,
       COALESCE(planned.done, 0) AS visits_done,
       COALESCE(completed.visits, 0) AS visits_completed_total,
       COALESCE(tickets.opened, 0) AS tickets_total,
       COALESCE(tickets.resolved, 0) AS tickets_resolved,
       COALESCE(tickets.within_sla, 0) AS tickets_resolved_within_sla,
       COALESCE(tickets.overdue, 0) AS tickets_overdue_unresolved,
       COALESCE(surveys.surveys, 0) AS surveys,
       surveys.total AS survey_total,
       COALESCE(held_at_start.accounts, 0) AS accounts_at_start,
       COALESCE(churned.accounts, 0) AS accounts_churned,
       COALESCE(collected.amount, 0) AS amount_collected,
       COALESCE(due.amount, 0) AS amount_due,
       COALESCE(arrears.amount, 0) AS arrears_at_start,
       COALESCE(invoiced.amount, 0) AS amount_invoiced,
       COALESCE(billed_by_end.amount, 0) - COALESCE(paid_by_end.amount, 0)
           AS receivables_outstanding,
       COALESCE(opp_created.opportunities, 0) AS new_opportunities,
       COALESCE(opp_closed.won, 0) AS opportunities_won,
       COALESCE(opp_closed.lost, 0) AS opportunities_lost,
       COALESCE(opp_closed.won_value, 0) AS won_amount,
       COALESCE(opp_open.value, 0) AS pipeline_amount
FROM emp
LEFT JOIN signed ON signed.owner_id = emp.employee_id
LEFT JOIN new_accounts ON new_accounts.owner_id = emp.employee_id
LEFT JOIN planned ON planned.owner_id = emp.employee_id
LEFT JOIN completed ON completed.owner_id = emp.employee_id
LEFT JOIN tickets ON tickets.owner_id = emp.employee_id
LEFT JOIN surveys ON surveys.owner_id = emp.employee_id
LEFT JOIN churned ON churned.owner_id = emp.employee_id
LEFT JOIN held_at_start ON held_at_start.owner_id = emp.employee_id
LEFT JOIN due ON due.owner_id = emp.employee_id
LEFT JOIN arrears ON arrears.owner_id = emp.employee_id
LEFT JOIN collected ON collected.owner_id = emp.employee_id
LEFT JOIN invoiced ON invoiced.owner_id = emp.employee_id
LEFT JOIN billed_by_end ON billed_by_end.owner_id = emp.employee_id
LEFT JOIN paid_by_end ON paid_by_end.owner_id = emp.employee_id
LEFT JOIN opp_created ON opp_created.owner_id = emp.employee_id
LEFT JOIN opp_closed ON opp_closed.owner_id = emp.employee_id
LEFT JOIN opp_open ON opp_open.owner_id = emp.employee_id
"""
)


@dataclass(frozen=True)
class EmployeeFacts:
    """The raw counts and sums of one employee's period, as the query returns them."""

    employee_id: int
    contracts_signed: int
    contract_value_signed: Decimal
    new_accounts_signed: int
    visits_planned: int
    visits_done: int
    visits_completed_total: int
    tickets_total: int
    tickets_resolved: int
    tickets_resolved_within_sla: int
    tickets_overdue_unresolved: int
    surveys: int
    survey_total: Decimal | None
    accounts_at_start: int
    accounts_churned: int
    amount_collected: Decimal
    amount_due: Decimal
    arrears_at_start: Decimal
    amount_invoiced: Decimal
    receivables_outstanding: Decimal
    new_opportunities: int
    opportunities_won: int
    opportunities_lost: int
    won_amount: Decimal
    pipeline_amount: Decimal


class MetricsRepository:
    """The metrics query, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def facts(
        self,
        employee_ids: Sequence[int],
        *,
        first_day: date,
        last_day: date,
        start: datetime,
        end: datetime,
        now: datetime,
        base: str,
    ) -> dict[int, EmployeeFacts]:
        """Facts per employee for the days ``[first_day, last_day]`` (dated facts) and the
        instants ``[start, end)`` (timestamped facts) of one period; a deadline counts as
        missed only once ``now`` is past it."""
        connection = await self.session.connection()
        # The planner overestimates the per-account lookups of held_at_start, so for a
        # thousand employees it JIT-compiles the statement: ~6 s of compiling for ~1.5 s of
        # work (bench/kpi_cycle.py), past kpi's 5 s upstream timeout. Off for this
        # transaction only.
        await connection.execute(text("SET LOCAL jit = off"))
        result = await connection.execute(
            _METRICS_SQL,
            {
                "ids": list(employee_ids),
                "d0": first_day,
                "d1": last_day,
                "t0": start,
                "t1": end,
                "now": now,
                "base": base,
            },
        )
        return {row.employee_id: EmployeeFacts(**row._asdict()) for row in result}
