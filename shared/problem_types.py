"""The catalogue of problem types: one per cause, with its status, titles and remedy.

Every ``type`` the product can answer (``urn:kam:problem:<slug>``) is listed here once;
``docs/problems.md`` is rendered from this table (``python -m shared.problem_types write``)
and tests/shared/test_problem_types.py holds both to the code: every slug a DomainError or
a handler can produce is catalogued, and every catalogued slug is produced somewhere.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

PROBLEM_TYPE_PREFIX = "urn:kam:problem:"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title_en: str
    title_zh: str
    meaning: str
    remedy: str

    @property
    def uri(self) -> str:
        return PROBLEM_TYPE_PREFIX + self.slug


PROBLEM_TYPES: tuple[ProblemType, ...] = (
    ProblemType("bad-request", 400, "Bad Request", "请求有误",
                "A header or parameter is malformed (an If-Match that is no quoted ETag, an "
                "invalid Content-Length).", "Fix the request as the detail says."),
    ProblemType("idempotency-key-required", 400, "Idempotency-Key required",
                "需要幂等键", "The route needs an Idempotency-Key, or the one sent is "
                "malformed (1–255 printable ASCII characters).",
                "Send a fresh UUID per intended operation."),
    ProblemType("unauthorized", 401, "Unauthorized", "未认证",
                "No credential, or one that is expired, revoked or not ours.",
                "Sign in again (or refresh the token) and retry."),
    ProblemType("invalid-webhook", 401, "Invalid webhook signature", "Webhook 签名无效",
                "The webhook's Standard Webhooks signature or timestamp does not verify.",
                "Sign with the current secret; keep the sender's clock in sync."),
    ProblemType("forbidden", 403, "Forbidden", "无权操作",
                "The caller's role or scope does not allow this operation.",
                "Ask an administrator for the role, or act through someone who has it."),
    ProblemType("not-found", 404, "Not Found", "记录不存在",
                "No such record, or one outside the caller's scope (both answer alike).",
                "Check the id; list the records you can see."),
    ProblemType("method-not-allowed", 405, "Method Not Allowed", "方法不允许",
                "The path exists but not with this method; Allow names the methods it takes.",
                "Use one of the methods in the Allow header."),
    ProblemType("conflict", 409, "Conflict", "冲突",
                "A conflict with no more specific type (a framework's 409).",
                "Reload the record and decide again."),
    ProblemType("duplicate", 409, "Duplicate", "记录重复",
                "A record with the same unique key (code, number, reference, period) exists.",
                "Use another key, or change the existing record instead."),
    ProblemType("possible-duplicate", 409, "Possible duplicate", "疑似重复",
                "Records alike the one being created exist (the same company written another "
                "way); duplicates lists those you may see, hidden_duplicates counts the rest.",
                "Use the existing record, or send duplicate_reason to create it anyway."),
    ProblemType("invalid-transition", 409, "Invalid state transition", "状态不允许此操作",
                "The record's state does not allow this step; current_status and allowed "
                "may name its state and the steps it allows.",
                "Reload the record; take an allowed step first."),
    ProblemType("record-closed", 409, "Record closed", "记录已关闭",
                "The record, or the account it belongs to, is archived, cancelled or "
                "departed.", "Restore the record first, or work on an open one."),
    ProblemType("unmet-prerequisite", 409, "Prerequisite not met", "前置条件未满足",
                "Something else must happen first (an exchange rate posted, a review done, a "
                "version in force, an active successor).",
                "Do what the detail names, then retry."),
    ProblemType("hierarchy-cycle", 409, "Hierarchy cycle", "层级循环",
                "The change would make a hierarchy (departments, positions, managers, "
                "account groups) a cycle.", "Choose another parent."),
    ProblemType("limit-exceeded", 409, "Limit exceeded", "超出限额",
                "The change would exceed a limit (a grade distribution, a credit limit).",
                "Stay within the limit, or give the documented exception with a reason."),
    ProblemType("concurrent-change", 409, "Concurrent change", "并发修改",
                "Another request changed the same record at the same moment.",
                "Reload the record and apply your change again."),
    ProblemType("in-progress", 409, "Already in progress", "正在进行中",
                "The same work is already running (an ERP sync round).",
                "Retry when it has finished."),
    ProblemType("dispute-open", 409, "Ownership dispute pending", "撞单争议待裁决",
                "An ownership dispute over the account is still pending; "
                "ownership_dispute_id names it.",
                "Wait for the arbiter's decision, then claim again if still needed."),
    ProblemType("approval-failed", 409, "Approval failed", "审批执行失败",
                "The approved change could not be applied; the request is kept as failed "
                "with its reason.", "Read failure_reason; file a new request if still needed."),
    ProblemType("idempotency-key-in-flight", 409, "Idempotency-Key in flight",
                "相同幂等键的请求处理中", "A request with the same Idempotency-Key is still "
                "running.", "Retry after Retry-After seconds with the same key."),
    ProblemType("stale-etag", 412, "Stale ETag", "记录已被修改",
                "If-Match names a version the record no longer has; current_etag is the "
                "current one.", "Reload the record, reapply the change, send the new ETag."),
    ProblemType("payload-too-large", 413, "Payload Too Large", "请求体过大",
                "The body (or an uploaded file) is larger than the limit.",
                "Send less: split the file or the batch."),
    ProblemType("unsupported-media-type", 415, "Unsupported Media Type", "不支持的媒体类型",
                "The body's Content-Type is not one the route reads.",
                "Send one of the media types the operation documents."),
    ProblemType("validation-error", 422, "Validation error", "请求校验失败",
                "The input does not validate: errors lists each field (loc, msg, type); a "
                "rule over several fields or records may give only the detail.",
                "Correct the fields named and resend."),
    ProblemType("idempotency-key-reused", 422, "Idempotency-Key reused", "幂等键已用于其他请求",
                "The Idempotency-Key was used before for a different request.",
                "Use a new key for a new request."),
    ProblemType("too-early", 425, "Too Early", "为时过早",
                "A message arrived before the one it follows (outboxes may reorder).",
                "Retry later; the sender's outbox does so by itself."),
    ProblemType("precondition-required", 428, "Precondition Required", "需要 If-Match",
                "The change needs If-Match with the ETag of your last read (none, or *, "
                "names no version).", "Read the record and send its ETag in If-Match."),
    ProblemType("too-many-requests", 429, "Too Many Requests", "请求过于频繁",
                "The caller's rate limit is used up.", "Wait Retry-After seconds."),
    ProblemType("sign-in-throttled", 429, "Sign-in throttled", "登录尝试过多",
                "Too many failed sign-ins for the login or the address.",
                "Wait Retry-After seconds, or ask an administrator to unlock."),
    ProblemType("internal-error", 500, "Internal error", "内部错误",
                "An unexpected error; nothing is shown of its internals.",
                "Retry later; report the request_id if it persists."),
    ProblemType("bad-gateway", 502, "Bad Gateway", "上游服务出错",
                "A service behind the gateway (or the ERP) answered with an error.",
                "Retry later; report the request_id if it persists."),
    ProblemType("service-unavailable", 503, "Service Unavailable", "服务暂不可用",
                "A service is down, starting or its circuit breaker is open.",
                "Retry after Retry-After seconds."),
    ProblemType("database-unavailable", 503, "Database unavailable", "数据库暂不可用",
                "The database connection was lost (a restart or failover).",
                "Retry after Retry-After seconds."),
    ProblemType("gateway-timeout", 504, "Gateway Timeout", "上游服务超时",
                "A service behind the gateway did not answer in time.",
                "Retry; a write may have happened, so reuse its Idempotency-Key."),
)  # fmt: skip

_BY_SLUG = {problem.slug: problem for problem in PROBLEM_TYPES}


def problem_type(slug: str) -> ProblemType | None:
    """The catalogued type of ``slug`` (None for one the catalogue does not know)."""
    return _BY_SLUG.get(slug)


CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "docs" / "problems.md"


def render_catalogue() -> str:
    """docs/problems.md: the catalogue as a Markdown table."""
    lines = [
        "# Problem types",
        "",
        "Every error is an RFC 9457 `application/problem+json` document whose `type` is one",
        "of these (`urn:kam:problem:<slug>`), one per cause. `title` and `detail` follow",
        "`Accept-Language` (zh-CN when absent, `en` for English). Generated from",
        "`shared/problem_types.py` by `python -m shared.problem_types write`;",
        "tests/shared/test_problem_types.py keeps it in step with the code.",
        "",
        "| type | status | title (zh-CN) | title (en) | meaning | what to do |",
        "|---|---|---|---|---|---|",
    ]
    for problem in sorted(PROBLEM_TYPES, key=lambda p: (p.status, p.slug)):
        lines.append(
            f"| `{problem.uri}` | {problem.status} | {problem.title_zh} | {problem.title_en} "
            f"| {problem.meaning} | {problem.remedy} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - a developer's command
    if sys.argv[1:] == ["write"]:
        CATALOGUE_PATH.write_text(render_catalogue(), encoding="utf-8")
    else:
        sys.stdout.write(render_catalogue())
