"""The kinds of work item and their labels: the posting contract other services rely on."""

from __future__ import annotations

from enum import StrEnum


class WorkItemKind(StrEnum):
    """What a work item asks the person to do; each kind is posted by one service.

    clients: SLA escalations and imminent breaches, overdue visits, dunning tasks, contact
    birthdays, contract renewals, ERP events pending, reconciliation mismatches, approval
    requests and answers, ownership disputes to decide and their outcomes. kpi: appraisal
    steps, results to acknowledge, appeal decisions.
    staff: position versions awaiting approval, sign-in lockouts.
    """

    SLA_ESCALATION = "sla_escalation"
    SLA_BREACH_IMMINENT = "sla_breach_imminent"
    VISIT_OVERDUE = "visit_overdue"
    DUNNING_TASK = "dunning_task"
    APPRAISAL_STEP = "appraisal_step"
    APPRAISAL_RESULT = "appraisal_result"
    APPEAL_DECIDED = "appeal_decided"
    POSITION_APPROVAL = "position_approval"
    CONTACT_BIRTHDAY = "contact_birthday"
    CONTRACT_RENEWAL = "contract_renewal"
    ERP_EVENT_PENDING = "erp_event_pending"
    RECONCILIATION_MISMATCH = "reconciliation_mismatch"
    APPROVAL_REQUEST = "approval_request"
    APPROVAL_ANSWER = "approval_answer"
    SIGNIN_LOCKOUT = "signin_lockout"
    OWNERSHIP_DISPUTE = "ownership_dispute"
    OWNERSHIP_DISPUTE_DECIDED = "ownership_dispute_decided"


KIND_LABELS: dict[WorkItemKind, dict[str, str]] = {
    WorkItemKind.SLA_ESCALATION: {"zh-CN": "工单升级", "en": "Ticket escalated"},
    WorkItemKind.SLA_BREACH_IMMINENT: {"zh-CN": "工单即将超时", "en": "Ticket SLA about to breach"},
    WorkItemKind.VISIT_OVERDUE: {"zh-CN": "拜访逾期", "en": "Visit overdue"},
    WorkItemKind.DUNNING_TASK: {"zh-CN": "催收任务", "en": "Dunning task"},
    WorkItemKind.APPRAISAL_STEP: {"zh-CN": "考核待办", "en": "Appraisal step due"},
    WorkItemKind.APPRAISAL_RESULT: {
        "zh-CN": "考核结果待确认",
        "en": "Appraisal result to acknowledge",
    },
    WorkItemKind.APPEAL_DECIDED: {"zh-CN": "申诉已裁决", "en": "Appeal decided"},
    WorkItemKind.POSITION_APPROVAL: {
        "zh-CN": "职位说明书待审批",
        "en": "Position version to approve",
    },
    WorkItemKind.CONTACT_BIRTHDAY: {"zh-CN": "关键联系人生日", "en": "Key contact's birthday"},
    WorkItemKind.CONTRACT_RENEWAL: {"zh-CN": "合同即将续签", "en": "Contract renewal due"},
    WorkItemKind.ERP_EVENT_PENDING: {"zh-CN": "ERP事件待处理", "en": "ERP event pending"},
    WorkItemKind.RECONCILIATION_MISMATCH: {"zh-CN": "对账不符", "en": "Reconciliation mismatch"},
    WorkItemKind.APPROVAL_REQUEST: {"zh-CN": "待审批申请", "en": "Approval request"},
    WorkItemKind.APPROVAL_ANSWER: {"zh-CN": "审批结果", "en": "Approval answered"},
    WorkItemKind.SIGNIN_LOCKOUT: {"zh-CN": "登录已锁定", "en": "Sign-in locked"},
    WorkItemKind.OWNERSHIP_DISPUTE: {"zh-CN": "撞单待裁决", "en": "Ownership dispute to decide"},
    WorkItemKind.OWNERSHIP_DISPUTE_DECIDED: {
        "zh-CN": "撞单已裁决",
        "en": "Ownership dispute decided",
    },
}
"""The label of each kind in the languages people read (zh-CN by default)."""


class Severity(StrEnum):
    """How urgent an item is: ``urgent`` items are the ones pushed to channels at once."""

    INFO = "info"
    NORMAL = "normal"
    URGENT = "urgent"


class WorkItemState(StrEnum):
    """Where an item is. ``snoozed`` items come back as open when ``snoozed_until`` passes."""

    OPEN = "open"
    DONE = "done"
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"
