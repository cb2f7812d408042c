"""The rules of notifications: what a new work item sends where, and people's choices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from services.staff.employees.repository import EmployeeRepository
from services.staff.inbox.kinds import Severity, WorkItemKind
from services.staff.inbox.models import WorkItem
from services.staff.inbox.rules import kind_label
from services.staff.notifications.models import (
    PERSONAL_CHANNELS,
    Channel,
    Delivery,
    DeliveryStatus,
    NotificationPreference,
    NotificationSettings,
)
from services.staff.notifications.repository import NotificationRepository
from services.staff.notifications.robots import GroupRobot
from services.staff.notifications.rules import (
    DIGEST_TIME,
    digest_body,
    digest_subject,
    email_body,
    email_subject,
    quiet_hours_end,
    team_text,
)
from services.staff.notifications.schemas import KindChannel, NotificationPreferences
from shared.errors import NotFound


class NotificationService:
    """Plans deliveries in the transaction of the work item; keeps people's preferences."""

    def __init__(
        self,
        repository: NotificationRepository,
        employees: EmployeeRepository,
        zone: str,
        robots: Sequence[GroupRobot] = (),
    ) -> None:
        self.repository = repository
        self.employees = employees
        self.zone = zone
        self.robots = list(robots)

    async def announce(self, item: WorkItem, now: datetime) -> list[Delivery]:
        """The channel messages for a new item: the person's e-mail (per preferences and
        quiet hours) and, for a team-level item only, the team's group robots."""
        deliveries = await self._email(item, now)
        if item.team_department_id is not None:
            deliveries += await self._robots(item, now)
        return deliveries

    async def _robots(self, item: WorkItem, now: datetime) -> list[Delivery]:
        assert item.id is not None
        label = kind_label(WorkItemKind(item.kind), None)
        made: list[Delivery] = []
        for robot in self.robots:
            if robot.department_id != item.team_department_id:
                continue
            delivery = Delivery(
                id=uuid.uuid4(),
                work_item_id=item.id,
                dedupe_key=f"item:{item.id}:{robot.platform.value}",
                employee_id=item.employee_id,
                channel=robot.platform.value,
                address=robot.name,
                subject=email_subject(label, item.title),
                body=team_text(item.account_name, item.record_path),
                next_attempt_at=now,
            )
            await self.repository.add_delivery(delivery)
            made.append(delivery)
        return made

    async def _email(self, item: WorkItem, now: datetime) -> list[Delivery]:
        assert item.id is not None
        person = await self.employees.get(item.employee_id)
        if person is None or not person.work_email:
            return []
        disabled = {
            (p.kind, p.channel)
            for p in await self.repository.preferences(person.id or 0)
            if not p.enabled
        }
        if (item.kind, Channel.EMAIL.value) in disabled:
            return []
        settings = await self.repository.settings(item.employee_id)
        if settings and settings.daily_digest and item.severity != Severity.URGENT.value:
            return []  # it goes out in the person's daily digest
        send_at = now
        if settings and settings.quiet_from is not None and settings.quiet_until is not None:
            send_at = quiet_hours_end(now, settings.quiet_from, settings.quiet_until, self.zone)
        label = kind_label(WorkItemKind(item.kind), None)
        due = (
            item.due_at.astimezone(ZoneInfo(self.zone)).strftime("%Y-%m-%d %H:%M")
            if item.due_at
            else None
        )
        delivery = Delivery(
            id=uuid.uuid4(),
            work_item_id=item.id,
            dedupe_key=f"item:{item.id}:{Channel.EMAIL.value}",
            employee_id=item.employee_id,
            channel=Channel.EMAIL.value,
            address=person.work_email,
            subject=email_subject(label, item.title),
            body=email_body(
                person.name, label, item.title, due, item.account_name, item.record_path
            ),
            next_attempt_at=send_at,
        )
        await self.repository.add_delivery(delivery)
        return [delivery]

    async def preferences(self, employee_id: int) -> NotificationPreferences:
        """Every kind × channel (on unless turned off) and the quiet hours."""
        stored = {
            (p.kind, p.channel): p.enabled for p in await self.repository.preferences(employee_id)
        }
        settings = await self.repository.settings(employee_id)
        return NotificationPreferences(
            quiet_from=settings.quiet_from if settings else None,
            quiet_until=settings.quiet_until if settings else None,
            daily_digest=settings.daily_digest if settings else False,
            preferences=[
                KindChannel(
                    kind=kind,
                    channel=channel,
                    enabled=stored.get((kind.value, channel.value), True),
                )
                for kind in WorkItemKind
                for channel in PERSONAL_CHANNELS
            ],
        )

    async def replace_preferences(
        self, employee_id: int, wanted: NotificationPreferences
    ) -> NotificationPreferences:
        """Store the person's choices; pairs not listed are on."""
        if await self.employees.get(employee_id) is None:
            raise NotFound("no employee record for this login")
        await self.repository.replace_preferences(
            employee_id,
            NotificationSettings(
                employee_id=employee_id,
                quiet_from=wanted.quiet_from,
                quiet_until=wanted.quiet_until,
                daily_digest=wanted.daily_digest,
            ),
            [
                NotificationPreference(
                    employee_id=employee_id,
                    kind=p.kind.value,
                    channel=p.channel.value,
                    enabled=p.enabled,
                )
                for p in wanted.preferences
            ],
        )
        return await self.preferences(employee_id)

    async def plan_digests(self, now: datetime) -> int:
        """One digest mail per person who chose it, per company day, from DIGEST_HOUR on:
        their open items. Planned once a day however often the job runs."""
        local = now.astimezone(ZoneInfo(self.zone))
        if local.time() < DIGEST_TIME:
            return 0
        planned = 0
        for person, items in await self.repository.digest_candidates(now):
            if not items or not person.work_email:
                continue
            lines = [
                f"· {kind_label(WorkItemKind(i.kind), None)}：{i.title}"
                + (
                    f"（截止 {i.due_at.astimezone(ZoneInfo(self.zone)):%m-%d %H:%M}）"
                    if i.due_at
                    else ""
                )
                for i in items
            ]
            delivery = Delivery(
                id=uuid.uuid4(),
                dedupe_key=f"digest:{person.id}:{local.date().isoformat()}:email",
                employee_id=person.id or 0,
                channel=Channel.EMAIL.value,
                address=person.work_email,
                subject=digest_subject(local.date(), len(items)),
                body=digest_body(person.name, lines),
                next_attempt_at=now,
            )
            planned += await self.repository.add_delivery_once(delivery)
        return planned

    async def dead_letters(self, limit: int) -> Sequence[Delivery]:
        return await self.repository.list_status(DeliveryStatus.DEAD, None, limit)

    async def retry(self, delivery_id: uuid.UUID, now: datetime) -> Delivery:
        """Give a dead delivery a fresh start (same id: the receiver still sees one message)."""
        delivery = await self.repository.get(delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.DEAD.value:
            raise NotFound(f"dead delivery {delivery_id} not found")
        delivery.status = DeliveryStatus.PENDING.value
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.last_error = None
        return await self.repository.save(delivery)
