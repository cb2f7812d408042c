"""Pure rules of notifications: quiet hours, backoff and the Chinese templates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SUBJECT_PREFIX = "【KAM待办】"
DIGEST_TIME = time(8, 0)
"""When the daily digest goes out (company time zone)."""


def quiet_hours_end(moment: datetime, quiet_from: time, quiet_until: time, zone: str) -> datetime:
    """When a message due at ``moment`` may go out: ``moment`` itself outside quiet hours,
    else the end of the quiet period (company time zone). A period may span midnight
    (22:00–07:00); equal bounds mean no quiet hours."""
    local = moment.astimezone(ZoneInfo(zone))
    now = local.timetz().replace(tzinfo=None)
    if quiet_from == quiet_until:
        return moment
    if quiet_from < quiet_until:
        inside = quiet_from <= now < quiet_until
        end_day = local.date()
    else:
        inside = now >= quiet_from or now < quiet_until
        end_day = local.date() + timedelta(days=1) if now >= quiet_from else local.date()
    if not inside:
        return moment
    end = datetime.combine(end_day, quiet_until, tzinfo=ZoneInfo(zone))
    return end.astimezone(moment.tzinfo)


def retry_delay_seconds(attempts: int, base_seconds: float, max_seconds: float) -> float:
    """Seconds before attempt ``attempts + 1``: doubling from ``base``, capped."""
    return float(min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds))


def email_subject(kind_label: str, title: str) -> str:
    """The subject line of a work item's e-mail."""
    return f"{SUBJECT_PREFIX}{kind_label}：{title}"[:300]


def team_text(account: str | None, path: str) -> str:
    """The body of a team-level item in a group chat (no personal data)."""
    lines = [f"客户：{account}"] if account else []
    return "\n".join([*lines, f"记录：{path}"])


def email_body(
    name: str, kind_label: str, title: str, due: str | None, account: str | None, path: str
) -> str:
    """The plain-text body of a work item's e-mail (Chinese)."""
    lines = [f"{name}，您好：", "", f"您有一项新的待办（{kind_label}）：{title}"]
    if account:
        lines.append(f"客户：{account}")
    if due:
        lines.append(f"截止时间：{due}")
    lines += [f"记录：{path}", "", "请登录 KAM 系统处理。此邮件由系统自动发送，请勿回复。"]
    return "\n".join(lines)


def digest_subject(day: date, count: int) -> str:
    """The subject of a person's daily digest."""
    return f"{SUBJECT_PREFIX}{day:%Y年%m月%d日} 待办汇总（{count} 项）"


def digest_body(name: str, lines: list[str]) -> str:
    """The body of a person's daily digest: one line per open item."""
    return "\n".join([f"{name}，您好：", "", "您今天的待办：", *lines, "", "请登录 KAM 系统处理。"])
