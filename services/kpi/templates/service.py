"""Rules of appraisal templates: weights, indicator references, versions. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.templates.models import AppraisalTemplate, TemplateItem
from services.kpi.templates.position_duties import PositionDuties
from services.kpi.templates.repository import TemplateRepository
from services.kpi.templates.rules import duty_links_not_in_description
from services.kpi.templates.schemas import (
    DutyRef,
    SectionRead,
    TemplateContent,
    TemplateCreate,
    TemplateItemRead,
    TemplateRead,
    TemplateStatus,
)
from shared.concurrency import check_if_match
from shared.errors import (
    Conflict,
    DomainError,
    Duplicate,
    InvalidTransition,
    NotFound,
    UnprocessableContent,
)


def _item_rows(content: TemplateContent) -> list[dict[str, Any]]:
    rows = []
    for position, (section, item) in enumerate(content.items(), start=1):
        rows.append(
            {
                "position": position,
                "section": section,
                "key": item.key,
                "title": item.title,
                "kind": item.kind.value,
                "indicator_id": item.indicator_id,
                "weight": item.weight,
                "target_mode": item.target_mode.value,
                "target": item.target,
                "rating_scale": item.rating_scale.model_dump(mode="json")
                if item.rating_scale
                else None,
                "duty_importance": item.duty.importance if item.duty else None,
                "duty_statement": item.duty.statement if item.duty else None,
            }
        )
    return rows


def _duty_links(content: TemplateContent) -> dict[str, tuple[int, str]]:
    return {
        item.key: (item.duty.importance, item.duty.statement)
        for _, item in content.items()
        if item.duty is not None
    }


def template_read(template: AppraisalTemplate, items: Sequence[TemplateItem]) -> TemplateRead:
    """The template with its items grouped into sections, in sheet order."""
    sections: list[SectionRead] = []
    for item in items:
        read = TemplateItemRead.model_validate(item)
        if item.duty_importance is not None and item.duty_statement is not None:
            read.duty = DutyRef(importance=item.duty_importance, statement=item.duty_statement)
        if not sections or sections[-1].title != item.section:
            sections.append(SectionRead(title=item.section, items=[]))
        sections[-1].items.append(read)
    return TemplateRead.model_validate(
        {**template.model_dump(), "sections": sections}, from_attributes=False
    )


class TemplateService:
    """Create, edit (a published version is frozen: editing it makes a new draft), publish."""

    def __init__(
        self,
        repository: TemplateRepository,
        indicators: IndicatorRepository,
        duties: PositionDuties,
    ) -> None:
        self.repository = repository
        self.indicators = indicators
        self.duties = duties

    async def _check_duties(
        self,
        position_code: str,
        links: dict[str, tuple[int, str]],
        error: type[DomainError] = UnprocessableContent,
    ) -> None:
        """Every cited duty must be one of the position's approved description (asked of
        staff now: a description changes under the template, so nothing is cached)."""
        if not links:
            return
        duties = await self.duties.approved_duties(position_code)
        unknown = duty_links_not_in_description(links, duties)
        if unknown:
            why = (
                f"position {position_code} has no approved description"
                if duties is None
                else f"they are not duties of position {position_code}'s approved description"
            )
            raise error(
                f"item(s) {', '.join(unknown)} cite duties, but {why}", extra={"item_keys": unknown}
            )

    async def get(self, template_id: int, *, for_update: bool = False) -> AppraisalTemplate:
        template = await self.repository.get(template_id, for_update=for_update)
        if template is None:
            raise NotFound(f"template {template_id} does not exist")
        return template

    async def read(self, template_id: int) -> TemplateRead:
        template = await self.get(template_id)
        return template_read(template, await self.repository.items(template_id))

    async def list_page(
        self,
        *,
        position_code: str | None,
        status: str | None,
        code: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[AppraisalTemplate]:
        return await self.repository.list_page(
            position_code=position_code, status=status, code=code, after_id=after_id, limit=limit
        )

    async def _check_indicators(self, content: TemplateContent) -> None:
        wanted = {item.indicator_id for _, item in content.items() if item.indicator_id}
        found = await self.indicators.get_many(wanted)
        missing = sorted(wanted - set(found))
        if missing:
            raise UnprocessableContent(
                f"indicator(s) {', '.join(map(str, missing))} do not exist",
                extra={"missing_indicator_ids": missing},
            )

    async def create(self, data: TemplateCreate) -> TemplateRead:
        if await self.repository.code_exists(data.code):
            raise Duplicate(f"a template with code {data.code} already exists; edit it instead")
        await self._check_indicators(data)
        await self._check_duties(data.position_code, _duty_links(data))
        template = await self.repository.add(
            AppraisalTemplate(
                code=data.code,
                name=data.name,
                position_code=data.position_code,
                period_kind=data.period_kind.value,
                description=data.description,
            )
        )
        assert template.id is not None
        await self.repository.replace_items(template.id, _item_rows(data))
        return await self.read(template.id)

    async def edit(
        self, template_id: int, content: TemplateContent, *, if_match: str | None
    ) -> TemplateRead:
        """Replace a draft's content; for a published version, write a new draft version."""
        template = await self.get(template_id, for_update=True)  # no lost concurrent edit
        check_if_match(if_match, template.version)
        await self._check_indicators(content)
        await self._check_duties(template.position_code, _duty_links(content))
        if template.status != TemplateStatus.DRAFT:
            latest = await self.repository.latest_version(template.code)
            assert latest is not None
            if latest.status == TemplateStatus.DRAFT:
                raise Duplicate(
                    f"version {latest.template_version} of {template.code} is already a draft "
                    f"(template {latest.id}); edit that one",
                    extra={"draft_template_id": latest.id},
                )
            template = await self.repository.add(
                AppraisalTemplate(
                    code=template.code,
                    name=content.name,
                    position_code=template.position_code,
                    period_kind=template.period_kind,
                    template_version=latest.template_version + 1,
                    description=content.description,
                )
            )
        else:
            template.name = content.name
            template.description = content.description
            template = await self.repository.save(template)
        assert template.id is not None
        await self.repository.replace_items(template.id, _item_rows(content))
        return await self.read(template.id)

    async def publish(self, template_id: int, *, if_match: str | None) -> TemplateRead:
        """Freeze a draft; the previously published version of the code is retired."""
        template = await self.get(template_id, for_update=True)  # no lost concurrent edit
        check_if_match(if_match, template.version)
        if template.status != TemplateStatus.DRAFT:
            raise InvalidTransition(
                f"template {template_id} is {template.status}; only a draft is published"
            )
        await self.repository.lock_position_period(template.position_code, template.period_kind)
        in_force = await self.repository.in_force_for(
            template.position_code, template.period_kind, except_code=template.code
        )
        if in_force is not None:
            raise InvalidTransition(
                f"template {in_force.id} ({in_force.code}) is in force for position "
                f"{template.position_code} and period kind {template.period_kind}; retire it "
                "first (one template per position and period kind)",
                extra={"conflicting_template_id": in_force.id},
            )
        items = await self.repository.items(template_id)
        await self._check_duties(
            template.position_code,
            {
                item.key: (item.duty_importance, item.duty_statement)
                for item in items
                if item.duty_importance is not None and item.duty_statement is not None
            },
            Conflict,  # the draft was valid when written; the description changed since
        )
        await self.repository.retire_published(template.code, except_id=template_id)
        template.status = TemplateStatus.PUBLISHED.value
        template.published_at = await self.repository.now()
        await self.repository.save(template)
        return await self.read(template_id)

    async def retire(self, template_id: int, *, if_match: str | None) -> TemplateRead:
        """Take a published template out of force (its appraisals keep their copy)."""
        template = await self.get(template_id, for_update=True)
        check_if_match(if_match, template.version)
        if template.status != TemplateStatus.PUBLISHED:
            raise InvalidTransition(
                f"template {template_id} is {template.status}; only a published one retires"
            )
        template.status = TemplateStatus.RETIRED.value
        await self.repository.save(template)
        return await self.read(template_id)
