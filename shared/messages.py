"""The Chinese of the product's messages: problem titles, details and field errors.

The code writes its messages in English (the source strings, kept as they are for logs and
for machines); a request that reads Chinese gets them through this catalogue. Details are
matched by pattern, whole, so a message the catalogue does not know stays English rather
than half-translated; titles come from the problem catalogue (shared/problem_types.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from shared.languages import Language
from shared.problem_types import problem_type

ENTITIES_ZH: dict[str, str] = {
    "account": "客户",
    "parent account": "上级客户",
    "contact": "联系人",
    "contact touch": "联系计划",
    "ticket": "工单",
    "visit": "拜访",
    "contract": "合同",
    "invoice": "发票",
    "payment": "回款",
    "assessment": "客户评估",
    "satisfaction survey": "满意度调查",
    "collection task": "催收任务",
    "approval request": "审批申请",
    "ownership dispute": "撞单争议",
    "employee": "员工",
    "manager": "经理",
    "successor": "接任人",
    "department": "部门",
    "parent department": "上级部门",
    "position": "岗位",
    "user": "用户",
    "session": "会话",
    "departure": "离职记录",
    "work item": "待办事项",
    "stand-in": "代理安排",
    "dead delivery": "失败投递",
    "dead work item": "失败待办",
    "cycle": "考核周期",
    "appraisal": "考核表",
    "indicator": "指标",
    "template": "考核模板",
    "target plan": "目标计划",
    "reward/penalty": "奖惩",
    "note": "备注",
}
_ENTITY = "|".join(sorted((re.escape(name) for name in ENTITIES_ZH), key=len, reverse=True))


def _zh(entity: str) -> str:
    return ENTITIES_ZH.get(entity, entity)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_DETAIL_RULES: list[Rule] = [
    (re.compile(rf"({_ENTITY}) (\S+) (?:does not exist|not found)"),
     lambda m: f"{_zh(m[1])} {m[2]} 不存在"),
    (re.compile(rf"({_ENTITY}) (\S+) is archived; restore it before .+"),
     lambda m: f"{_zh(m[1])} {m[2]} 已归档，请先恢复再操作"),
    (re.compile(rf"({_ENTITY}) (\S+) is cancelled; .+"),
     lambda m: f"{_zh(m[1])} {m[2]} 已取消"),
    (re.compile(rf"({_ENTITY}) (\S+) is already (\S+)"),
     lambda m: f"{_zh(m[1])} {m[2]} 已处于 {m[3]} 状态"),
    (re.compile(rf"({_ENTITY}) (\S+) is ([\w_]+)[;,] (?:only|not) .+"),
     lambda m: f"{_zh(m[1])} {m[2]} 当前状态为 {m[3]}，不允许此操作"),
    (re.compile(rf"an? ({_ENTITY}) with code (\S+) already exists.*"),
     lambda m: f"编码为 {m[2]} 的{_zh(m[1])}已存在"),
    (re.compile(r"an employee numbered (\S+) already exists"),
     lambda m: f"工号为 {m[1]} 的员工已存在"),
    (re.compile(r"the login (\S+) is taken"), lambda m: f"登录名 {m[1]} 已被占用"),
    (re.compile(r"credit code (\S+) already belongs to .+"),
     lambda m: f"统一社会信用代码 {m[1]} 已属于另一客户"),
    (re.compile(r"a payment with reference (\S+) (?:is already registered|already exists)"),
     lambda m: f"参考号为 {m[1]} 的回款已登记"),
    (re.compile(r"contract number (\S+) is already in use"),
     lambda m: f"合同编号 {m[1]} 已被使用"),
    (re.compile(r"the record changed since you read it; reload it and apply your change again"),
     lambda m: "记录在您读取后已被修改，请重新加载后再修改"),
    (re.compile(r"this update needs an If-Match header with the record's ETag"),
     lambda m: "此修改需要带有记录 ETag 的 If-Match 请求头"),
    (re.compile(r"If-Match: \* names no version of the record; .+"),
     lambda m: "If-Match: * 未指明记录版本，请发送您最后读取的 ETag"),
    (re.compile(r"If-Match must be the ETag of your last read of the record, quoted, .+"),
     lambda m: 'If-Match 必须是您最后读取记录时的 ETag，带引号，例如 "3"'),
    (re.compile(r"The request does not validate; see errors\."),
     lambda m: "请求未通过校验，详见 errors。"),
    (re.compile(r"Internal error\."), lambda m: "内部错误。"),
    (re.compile(r"authentication required: send a bearer token"),
     lambda m: "需要认证：请发送 Bearer 令牌"),
    (re.compile(r"your role does not allow this operation"), lambda m: "您的角色不允许此操作"),
    (re.compile(r"your login is not linked to an employee, so it cannot act here"),
     lambda m: "您的登录未关联员工，不能在此操作"),
    (re.compile(r"too many requests; slow down"), lambda m: "请求过于频繁，请稍后再试"),
    (re.compile(r"the (\w+) service did not answer in time"),
     lambda m: f"{m[1]} 服务未及时响应"),
    (re.compile(r"the (\w+) service is unavailable"), lambda m: f"{m[1]} 服务暂不可用"),
    (re.compile(r"the (\w+) service failed to answer"), lambda m: f"{m[1]} 服务响应失败"),
    (re.compile(r"no service serves (\S+)"), lambda m: f"没有服务提供 {m[1]}"),
    (re.compile(r"this request needs an Idempotency-Key header \(e\.g\. a UUID\)"),
     lambda m: "此请求需要 Idempotency-Key 请求头（例如 UUID）"),
    (re.compile(r"this Idempotency-Key was already used for a different request .+"),
     lambda m: "此幂等键已用于另一个请求，新请求请使用新的键"),
    (re.compile(r"a request with this Idempotency-Key is still in progress; .+"),
     lambda m: "相同幂等键的请求仍在处理中，请稍后重试"),
    (re.compile(r"the database is unavailable.*", re.IGNORECASE),
     lambda m: "数据库暂不可用，请稍后重试"),
    (re.compile(r"login or password is wrong"), lambda m: "登录名或密码错误"),
    (re.compile(r"the session has ended; sign in again"), lambda m: "会话已结束，请重新登录"),
    (re.compile(r"the reset link is not valid or has expired"),
     lambda m: "重置链接无效或已过期"),
    (re.compile(r"the user's employee has no work e-mail to send the reset to"),
     lambda m: "该用户关联的员工没有工作邮箱，无法发送重置链接"),
    (re.compile(r"the new password is not acceptable: (.+)"),
     lambda m: "新密码不符合要求：" + "；".join(_password_problem_zh(p) for p in m[1].split("; "))),
]  # fmt: skip


def _password_problem_zh(problem: str) -> str:
    """One problem of the password policy (services/staff/identity/password_policy.py)."""
    if found := re.fullmatch(r"the password must have at least (\d+) characters", problem):
        return f"至少 {found[1]} 个字符"
    if problem == "the password must not contain the login":
        return "不能包含登录名"
    if problem == "the password is a commonly used one":
        return "不能是常用密码"
    if found := re.fullmatch(
        r"the password is too easy to guess \(strength (\d) of 4, "
        r"at least (\d) needed\)",
        problem,
    ):
        return f"太容易被猜到（强度 {found[1]}/4，至少需要 {found[2]}）"
    return problem


def translate_detail(detail: str, language: Language) -> str:
    """``detail`` in ``language``: the catalogue's Chinese when it knows the message whole,
    else the English source."""
    if language == "en":
        return detail
    for pattern, render in _DETAIL_RULES:
        match = pattern.fullmatch(detail)
        if match is not None:
            return render(match)
    return detail


def title_for(status: int, slug: str, language: Language) -> str:
    """The problem's title: the catalogue's, else the HTTP reason phrase."""
    catalogued = problem_type(slug)
    if catalogued is not None:
        return catalogued.title_zh if language == "zh-CN" else catalogued.title_en
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_FIELD_MESSAGES_ZH: dict[str, str] = {
    "missing": "必填字段",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为文本",
    "string_too_short": "文本至少 {min_length} 个字符",
    "string_too_long": "文本最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求：{pattern}",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能有小数",
    "float_type": "应为数字",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "decimal_type": "应为十进制数",
    "decimal_parsing": "应为十进制数",
    "decimal_max_places": "小数位数最多 {decimal_places} 位",
    "decimal_max_digits": "数字位数最多 {max_digits} 位",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于等于 {le}",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_type": "应为带时区的时间（ISO 8601）",
    "datetime_parsing": "应为带时区的时间（ISO 8601）",
    "timezone_aware": "时间须带时区",
    "list_type": "应为列表",
    "too_short": "列表至少 {min_length} 项",
    "too_long": "列表最多 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
    "uuid_parsing": "应为 UUID",
    "url_parsing": "应为 URL",
}


def field_message(error_type: str, message: str, context: Mapping[str, Any] | None,
                  language: Language) -> str:  # fmt: skip
    """A field error's ``msg`` in ``language`` (the English when none is catalogued)."""
    if language == "en":
        return message
    template = _FIELD_MESSAGES_ZH.get(error_type)
    if template is None:
        return message
    try:
        return template.format(**(context or {}))
    except (KeyError, IndexError):
        return message
