"""Display labels of every enum in the contract, in zh-CN and en.

Enums travel as stable English codes (DESIGN rule 12); a front end shows these labels
instead of hard-coding them. ``GET /v1/<service>/labels`` answers a service's enums (read
from its own OpenAPI document, so a new enum cannot be missed: tests/shared/test_labels.py
fails on a code without both labels), and :func:`document_enum_labels` writes them into
the document as ``x-enum-varnames`` and ``x-enum-descriptions`` for generated clients.

A code means one thing almost everywhere (``open``, ``draft``), so :data:`LABELS` is keyed
by code; :data:`BY_ENUM` holds the few enums where the same code reads differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, Field

from shared.auth.policy import Policy
from shared.auth.principal import Role
from shared.errors import problem_responses

LABELS: dict[str, tuple[str, str]] = {
    # accounts, grading, sorting
    "active": ("活跃", "Active"), "dormant": ("休眠", "Dormant"), "lost": ("流失", "Lost"),
    "archived": ("已归档", "Archived"), "S": ("S 级", "Grade S"), "A": ("A 级", "Grade A"),
    "B": ("B 级", "Grade B"), "C": ("C 级", "Grade C"), "computed": ("系统计算", "Computed"),
    "override": ("人工指定", "Overridden"), "existing": ("存量客户", "Existing"),
    "prospect": ("潜在客户", "Prospect"), "id": ("编号升序", "Id, ascending"),
    "-id": ("编号降序", "Id, descending"), "legal_name": ("名称升序", "Name, A–Z"),
    "-legal_name": ("名称降序", "Name, Z–A"),
    "created_at": ("创建时间升序", "Created, oldest first"),
    "-created_at": ("创建时间降序", "Created, newest first"),
    "updated_at": ("更新时间升序", "Updated, oldest first"),
    "-updated_at": ("更新时间降序", "Updated, newest first"),
    # grouping
    "account": ("客户", "Account"), "owner": ("负责人", "Owner"), "team": ("团队", "Team"),
    "department": ("部门", "Department"), "group": ("集团", "Group"),
    # states shared by many records
    "pending": ("待处理", "Pending"), "approved": ("已批准", "Approved"),
    "refused": ("已拒绝", "Refused"), "failed": ("失败", "Failed"), "open": ("未结", "Open"),
    "done": ("已完成", "Done"), "cancelled": ("已取消", "Cancelled"),
    "completed": ("已完成", "Completed"), "draft": ("草稿", "Draft"),
    "signed": ("已签订", "Signed"), "terminated": ("已终止", "Terminated"),
    "expired": ("已到期", "Expired"), "published": ("已发布", "Published"),
    "retired": ("已停用", "Retired"), "in_review": ("审核中", "In review"),
    "proposed": ("已提议", "Proposed"), "rejected": ("已驳回", "Rejected"),
    "waiting": ("等待中", "Waiting"), "closed": ("已关闭", "Closed"),
    # assessments, contacts, needs
    "needs": ("需求评估", "Needs"), "relationship": ("关系评估", "Relationship"),
    "decision_maker": ("决策者", "Decision maker"), "user": ("使用者", "User"),
    "supporter": ("支持者", "Supporter"), "investor": ("投资方", "Investor"),
    "high": ("高", "High"), "medium": ("中", "Medium"), "low": ("低", "Low"),
    "critical": ("紧急", "Critical"),
    # audit entities
    "contact": ("联系人", "Contact"), "account_contact": ("客户联系人", "Account contact"),
    "credit_adjustment": ("信用调整", "Credit adjustment"), "grade": ("客户分级", "Grade"),
    "ownership": ("客户归属", "Ownership"), "handover": ("交接", "Handover"),
    "access": ("访问", "Access"), "visit": ("拜访", "Visit"),
    "contact_schedule": ("联络计划", "Contact schedule"), "assessment": ("客户评估", "Assessment"),
    "ticket": ("工单", "Ticket"), "sla_policy": ("SLA 策略", "SLA policy"),
    "holiday": ("节假日", "Holiday"), "contract": ("合同", "Contract"),
    "exchange_rate": ("汇率", "Exchange rate"), "survey": ("满意度调查", "Survey"),
    "invoice": ("发票", "Invoice"), "payment": ("回款", "Payment"),
    "collection_task": ("催收任务", "Collection task"),
    "credit_limit": ("信用额度", "Credit limit"),
    "account_team": ("客户团队", "Account team"),
    "approval_request": ("审批申请", "Approval request"),
    # ownership disputes (撞单)
    "ownership_dispute": ("撞单争议", "Ownership dispute"),
    "granted": ("保护期已过，已转移", "Granted (protection lapsed)"),
    "claimant_won": ("裁定归认领人", "Awarded to the claimant"),
    "owner_kept": ("裁定归原负责人", "Kept by the owner"),
    "claimant": ("认领人", "Claimant"),
    "explicit_claim": ("主动认领", "Explicit claim"),
    "credit_code_match": ("信用代码相同", "Same credit code"),
    # ERP and infrastructure
    "half_open": ("半开", "Half open"), "applied": ("已入账", "Applied"),
    "duplicate": ("重复", "Duplicate"), "ok": ("成功", "OK"),
    "breaker_open": ("熔断中", "Circuit open"), "schedule": ("定时", "Scheduled"),
    "manual": ("手工", "Manual"), "erp": ("ERP", "ERP"), "finance": ("财务", "Finance"),
    "write_off": ("核销", "Write-off"), "received": ("已收款", "Received"),
    "reversed": ("已冲销", "Reversed"), "paid": ("已付清", "Paid"),
    "csv": ("CSV 文件", "CSV"), "xlsx": ("Excel 文件", "Excel (xlsx)"),
    "clients": ("客户服务", "Clients service"), "staff": ("人事服务", "Staff service"),
    "kpi": ("绩效服务", "KPI service"), "gateway": ("网关", "Gateway"),
    # classes, calendar, channels
    "resource_public": ("资源类（公共）", "Resource, public"),
    "resource_enterprise": ("资源类（企业）", "Resource, enterprise"),
    "project_single": ("项目类（单一）", "Project, single"),
    "project_multi": ("项目类（多方）", "Project, multiple"),
    "makeup_workday": ("调休工作日", "Make-up workday"), "statutory": ("法定", "Statutory"),
    "admin": ("管理员", "Administrator"), "call": ("电话", "Call"), "letter": ("函件", "Letter"),
    "phone": ("电话", "Phone"), "email": ("邮件", "Email"), "online": ("线上", "Online"),
    "other": ("其他", "Other"), "wechat": ("微信", "WeChat"), "portal": ("客户门户", "Portal"),
    "wecom": ("企业微信", "WeCom"), "dingtalk": ("钉钉", "DingTalk"),
    # people
    "on_leave": ("休假", "On leave"), "departed": ("已离职", "Departed"),
    "high_school": ("高中", "High school"), "associate": ("大专", "Associate degree"),
    "bachelor": ("本科", "Bachelor"), "master": ("硕士", "Master"),
    "doctorate": ("博士", "Doctorate"), "manager": ("经理", "Manager"),
    "lead": ("主管", "Lead"), "dept_manager": ("部门经理", "Department manager"),
    "team_lead": ("团队主管", "Team lead"), "account_manager": ("客户经理", "Account manager"),
    "appraisal_admin": ("考核管理员", "Appraisal administrator"),
    "executive": ("公司领导", "Executive"), "employee": ("员工", "Employee"),
    "read": ("只读", "Read"), "work": ("可操作", "Work"),
    "after_sales": ("售后服务", "After-sales"),
    "technical_support": ("技术支持", "Technical support"),
    "finance_liaison": ("财务对接", "Finance liaison"),
    "sales_support": ("销售支持", "Sales support"),
    "delivery": ("交付", "Delivery"),
    # tickets, visits, touches
    "complaint": ("投诉", "Complaint"), "request": ("服务请求", "Request"),
    "incident": ("故障", "Incident"), "in_progress": ("处理中", "In progress"),
    "resolved": ("已解决", "Resolved"), "meeting": ("会面", "Meeting"),
    "birthday_greeting": ("生日问候", "Birthday greeting"),
    "holiday_care": ("节日关怀", "Holiday care"),
    "planned": ("已计划", "Planned"), "skipped": ("已跳过", "Skipped"),
    "plan": ("计划生成", "From the plan"), "adhoc": ("临时拜访", "Ad hoc"),
    "closed_paid": ("已回款关闭", "Closed, paid"), "sent": ("已发送", "Sent"),
    "dead": ("投递失败", "Dead"),
    # positions and measures
    "work_standard": ("符合工作标准", "Meets the work standard"), "timely": ("及时", "Timely"),
    "accurate": ("准确", "Accurate"), "coordinated": ("协调配合", "Coordinated"),
    "target_attained": ("目标达成", "Target attained"), "satisfaction": ("满意度", "Satisfaction"),
    "info": ("提示", "Info"), "normal": ("一般", "Normal"), "urgent": ("紧急", "Urgent"),
    # inbox
    "sla_escalation": ("SLA 升级", "SLA escalation"),
    "sla_breach_imminent": ("SLA 即将超时", "SLA breach imminent"),
    "visit_overdue": ("拜访逾期", "Visit overdue"), "dunning_task": ("催收任务", "Dunning task"),
    "appraisal_step": ("考核待办", "Appraisal step"),
    "appraisal_result": ("考核结果", "Appraisal result"),
    "appeal_decided": ("申诉已裁决", "Appeal decided"),
    "position_approval": ("岗位说明书审批", "Position approval"),
    "contact_birthday": ("联系人生日", "Contact's birthday"),
    "contract_renewal": ("合同续签", "Contract renewal"),
    "erp_event_pending": ("ERP 事件待处理", "ERP event pending"),
    "reconciliation_mismatch": ("对账差异", "Reconciliation mismatch"),
    "approval_answer": ("审批结果", "Approval answer"),
    "signin_lockout": ("登录锁定", "Sign-in lockout"),
    "ownership_dispute_decided": ("撞单已裁决", "Ownership dispute decided"),
    "snoozed": ("已延后", "Snoozed"), "dismissed": ("已忽略", "Dismissed"),
    # kpi
    "manual_override": ("手工修正", "Manual override"),
    "clients_metrics": ("客户服务指标", "Clients metrics"),
    "staff_qualifications": ("人事任职资格", "Staff qualifications"),
    "reward": ("奖励", "Reward"), "penalty": ("处罚", "Penalty"),
    "pending_self": ("待自评", "Awaiting self-assessment"),
    "pending_manager": ("待上级评价", "Awaiting manager review"),
    "pending_calibration": ("待校准", "Awaiting calibration"),
    "calibrated": ("已校准", "Calibrated"),
    "acknowledged": ("已确认", "Acknowledged"), "appealed": ("申诉中", "Appealed"),
    "appeal_resolved": ("申诉已处理", "Appeal resolved"),
    "collecting": ("采集数据中", "Collecting"),
    "self_review": ("自评阶段", "Self review"),
    "manager_review": ("上级评价阶段", "Manager review"),
    "calibration": ("校准阶段", "Calibration"),
    "higher_is_better": ("越高越好", "Higher is better"),
    "lower_is_better": ("越低越好", "Lower is better"), "automatic": ("自动采集", "Automatic"),
    "indicator": ("量化指标", "Indicator"), "qualitative": ("定性评价", "Qualitative"),
    "month": ("月度", "Month"), "quarter": ("季度", "Quarter"), "year": ("年度", "Year"),
    "join": ("加入", "Join"), "leave": ("离开", "Leave"), "absolute": ("绝对值", "Absolute"),
    "decomposition": ("分解目标", "Decomposition"), "none": ("无目标", "None"),
    "attainment": ("达成率", "Attainment"), "actual": ("实际值", "Actual"),
    # more sort orders (accounts, tickets, visits, invoices)
    "credit_score": ("信用评分升序", "Credit score, lowest first"),
    "-credit_score": ("信用评分降序", "Credit score, highest first"),
    "sla_due": ("SLA 到期最近优先", "SLA deadline, nearest first"),
    "severity": ("严重程度从高到低", "Severity, most severe first"),
    "-severity": ("严重程度从低到高", "Severity, least severe first"),
    "planned_on": ("计划日期升序", "Planned date, earliest first"),
    "-planned_on": ("计划日期降序", "Planned date, latest first"),
    "next_due_date": ("到期日升序", "Next due date, earliest first"),
    "-next_due_date": ("到期日降序", "Next due date, latest first"),
    "-days_overdue": ("逾期天数降序", "Days overdue, most first"),
    # selling: opportunities, pipeline, quotations, bids, competitors
    "product": ("产品", "Product"), "competitor": ("竞争对手", "Competitor"),
    "pipeline_stage": ("销售阶段", "Pipeline stage"), "opportunity": ("销售机会", "Opportunity"),
    "quotation": ("报价单", "Quotation"), "bid": ("招投标", "Bid"),
    "competitor_presence": ("竞争对手信息", "Competitor presence"),
    "attachment": ("附件", "Attachment"),
    "won": ("赢单", "Won"), "withdrawn": ("弃标", "Withdrawn"),
    "pending_approval": ("待审批", "Pending approval"), "accepted": ("已接受", "Accepted"),
    "questions": ("答疑截止", "Questions deadline"),
    "submission": ("投标截止", "Submission deadline"), "opening": ("开标", "Opening"),
    "influencer": ("影响者", "Influencer"), "technical": ("技术把关", "Technical evaluator"),
    "buyer": ("采购", "Buyer"),
    # ERP receipts, webhook secrets, API keys
    "applied_with_warnings": ("已入账（有警告）", "Applied with warnings"),
    "conflict": ("冲突", "Conflict"),
    "invoice_cancelled": ("发票已取消", "Invoice cancelled"),
    "currency_mismatch": ("币种不符", "Currency mismatch"),
    "line_missing": ("发票行不存在", "Invoice line missing"),
    "line_settled": ("发票行已结清", "Line already settled"),
    "exceeds_open_amount": ("超出未收金额", "Exceeds the open amount"),
    "amount_differs": ("金额不一致", "Amount differs"),
    "account_differs": ("客户不一致", "Account differs"),
    "received_on_differs": ("收款日期不一致", "Received date differs"),
    "erp_webhook_secret": ("ERP 回调密钥", "ERP webhook secret"),
    "api": ("接口创建", "Created through the API"), "settings": ("配置文件", "From the settings"),
    "erp:write": ("ERP 写入", "ERP write"),
    # notes and the account timeline (kinds, then events)
    "note": ("备注", "Note"), "contact_change": ("联系人变更", "Contact change"),
    "grade_change": ("分级变更", "Grade change"), "credit_change": ("信用变更", "Credit change"),
    "ownership_change": ("归属变更", "Ownership change"),
    "visit_planned": ("计划拜访", "Visit planned"),
    "visit_completed": ("完成拜访", "Visit completed"),
    "visit_cancelled": ("取消拜访", "Visit cancelled"),
    "contact_added": ("新增联系人", "Contact added"),
    "contact_linked": ("关联联系人", "Contact linked"),
    "contact_updated": ("联系人信息变更", "Contact updated"),
    "contact_role_changed": ("联系人角色变更", "Contact's role changed"),
    "ticket_opened": ("新建工单", "Ticket opened"),
    "contract_created": ("新建合同", "Contract created"),
    "opportunity_created": ("新建销售机会", "Opportunity created"),
    "opportunity_stage_moved": ("销售阶段推进", "Opportunity moved stage"),
    "opportunity_won": ("赢单", "Opportunity won"),
    "opportunity_lost": ("输单", "Opportunity lost"),
    "invoice_issued": ("开具发票", "Invoice issued"),
    "payment_received": ("收到回款", "Payment received"),
    "grade_changed": ("客户分级变更", "Grade changed"),
    "credit_adjusted": ("信用分数调整", "Credit score adjusted"),
    "owner_changed": ("客户归属变更", "Owner changed"), "note_added": ("新增备注", "Note added"),
    "attachment_added": ("新增附件", "Attachment added"),
    "account_merge": ("客户合并", "Account merge"),
    "account_merged": ("合并重复客户", "Duplicate account merged in"),
    "dispute_opened": ("已发起撞单争议", "Ownership dispute opened"),
    # exports
    "json": ("JSON", "JSON"), "zh-CN": ("简体中文", "Chinese (Simplified)"),
    "en": ("英文", "English"),
}  # fmt: skip

BY_ENUM: dict[str, dict[str, tuple[str, str]]] = {
    "InvoiceStatus": {"open": ("未付清", "Open")},
    "ErpInvoice.status": {"open": ("未付清", "Open")},
    "TaskStatus": {"open": ("待催收", "Open")},
    "WorkItemState": {"open": ("待办", "Open")},
    "CycleState": {"open": ("已开启", "Open"), "closed": ("已结束", "Closed")},
    "BreakerState": {"open": ("断开", "Open"), "closed": ("闭合", "Closed")},
    "TicketStatus": {"open": ("待处理", "Open"), "waiting": ("等待客户", "Waiting")},
    "DeliveryOutcome": {"pending": ("待入账", "Pending")},
    "AuditEntity": {"grade": ("客户分级", "Grade"), "access": ("访问", "Access")},
    "DaySource": {"admin": ("管理员设定", "Set by an administrator")},
    "VisitSource": {"manual": ("手工录入", "Entered by hand")},
    "AccountSort": {
        "grade": ("分级从高到低", "Grade, best first (S to C)"),
        "-grade": ("分级从低到高", "Grade, lowest first (C to S)"),
    },
    "Outcome": {"open": ("进行中", "Open"), "won": ("赢单", "Won"), "lost": ("输单", "Lost")},
    "BidResult": {"won": ("中标", "Won"), "lost": ("未中标", "Lost")},
    "Winner": {"owner": ("原负责人", "Owner")},
    "TimelineEvent": {"owner_kept": ("撞单裁定：归属不变", "Owner kept (dispute decided)")},
    "QuotationState": {"rejected": ("已拒绝", "Rejected"), "expired": ("已过期", "Expired")},
}


def label(enum: str, code: str) -> tuple[str, str] | None:
    """(zh-CN, en) of ``code`` in ``enum``; None when the catalogue lacks it."""
    return BY_ENUM.get(enum, {}).get(code) or LABELS.get(code)


def contract_enums(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(name, schema)`` of every enum of an OpenAPI document: component enums by their
    name, inline ones as ``Component.property``."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if "enum" in schema:
            yield name, schema
        for field, spec in schema.get("properties", {}).items():
            yield from ((f"{name}.{field}", node) for node in _inline_enums(spec))


def _inline_enums(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "enum" in node:
            yield node
        for key in ("anyOf", "oneOf", "allOf"):
            for item in node.get(key, []):
                yield from _inline_enums(item)
        if "items" in node:
            yield from _inline_enums(node["items"])


_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z]+")


def varname(code: str) -> str:
    """A code as a constant's name for generated clients (``-created_at`` → CREATED_AT_DESC)."""
    name = _NOT_IDENTIFIER.sub("_", code.removeprefix("-")).strip("_").upper() or "EMPTY"
    if code.startswith("-"):
        name += "_DESC"
    return name if not name[0].isdigit() else f"V_{name}"


def document_enum_labels(document: dict[str, Any]) -> dict[str, Any]:
    """Write ``x-enum-varnames`` and ``x-enum-descriptions`` (``中文 / English``) into every
    enum of ``document``."""
    for name, schema in contract_enums(document):
        codes = [str(code) for code in schema["enum"]]
        labels = [label(name, code) for code in codes]
        schema["x-enum-varnames"] = [varname(code) for code in codes]
        schema["x-enum-descriptions"] = [
            f"{found[0]} / {found[1]}" if found else code
            for code, found in zip(codes, labels, strict=True)
        ]
    return document


def install_enum_labels(app: FastAPI) -> None:
    """Post-process ``app``'s OpenAPI document with :func:`document_enum_labels`."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        app.openapi_schema = document_enum_labels(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class Label(BaseModel):
    code: str = Field(examples=["in_progress"])
    zh_CN: str = Field(alias="zh-CN", examples=["处理中"])
    en: str = Field(examples=["In progress"])


class EnumLabels(BaseModel):
    name: str = Field(examples=["TicketStatus"], description="The enum's schema in the contract")
    values: list[Label]


class LabelsRead(BaseModel):
    items: list[EnumLabels]


READ_LABELS = Policy(
    Role.EMPLOYEE,
    scopes=["erp:write"],
    services=True,
    description="Display labels are no secret: any signed-in caller reads them.",
)


def labels_tag(service: str) -> dict[str, str]:
    return {
        "name": f"{service}-labels",
        "description": "显示标签: zh-CN and en labels of every enum code of the contract.",
    }


def labels_router(service: str) -> APIRouter:
    """``GET /v1/<service>/labels``: the labels of every enum in the service's contract."""
    router = APIRouter(tags=[f"{service}-labels"])

    @router.get(
        f"/v1/{service}/labels",
        response_model=LabelsRead,
        response_model_by_alias=True,
        summary="Display labels (zh-CN and en) of every enum code in this service's contract",
        responses=problem_responses(401, 403),
        dependencies=[Depends(READ_LABELS)],
    )
    async def list_labels(request: Request) -> LabelsRead:
        document: dict[str, Any] = request.app.openapi()
        items = []
        for name, schema in contract_enums(document):
            values = []
            for code in map(str, schema["enum"]):
                found = label(name, code) or (code, code)
                values.append(Label.model_validate({"code": code, "zh-CN": found[0],
                                                    "en": found[1]}))  # fmt: skip
            items.append(EnumLabels(name=name, values=values))
        return LabelsRead(items=items)

    return router
