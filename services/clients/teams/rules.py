"""Account-team vocabulary: the parts a member plays and the access levels (pure)."""

from __future__ import annotations

from enum import StrEnum


class TeamRole(StrEnum):
    """A member's part in serving the account."""

    AFTER_SALES = "after_sales"
    TECHNICAL_SUPPORT = "technical_support"
    FINANCE_LIAISON = "finance_liaison"
    SALES_SUPPORT = "sales_support"
    DELIVERY = "delivery"


TEAM_ROLE_LABELS: dict[TeamRole, dict[str, str]] = {
    TeamRole.AFTER_SALES: {"zh-CN": "售后支持", "en": "After-sales support"},
    TeamRole.TECHNICAL_SUPPORT: {"zh-CN": "技术支持", "en": "Technical support"},
    TeamRole.FINANCE_LIAISON: {"zh-CN": "财务对接", "en": "Finance liaison"},
    TeamRole.SALES_SUPPORT: {"zh-CN": "销售支持", "en": "Sales support"},
    TeamRole.DELIVERY: {"zh-CN": "交付实施", "en": "Delivery"},
}


class TeamAccess(StrEnum):
    """``read``: sees the account and everything under it; ``work``: may also work it
    (tickets, visits, contacts …) and reads its contacts' personal data unmasked."""

    READ = "read"
    WORK = "work"


def role_label(role: TeamRole, language: str) -> str:
    """The role's name in ``language`` (zh-CN unless English is asked for)."""
    labels = TEAM_ROLE_LABELS[role]
    return labels["en"] if language.lower().startswith("en") else labels["zh-CN"]
