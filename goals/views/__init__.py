"""Pages of the goals app: goals (list, form, one goal, co-setting, amendments, steps), landmark
reviews, and the distributor pages (quarterly review, activity log, contract annex)."""

from .entry import amendment_create, goal_check, goal_create, goal_edit, landmarks_suggest
from .goals import (
    amendment_accept,
    amendment_reject,
    goal_accept,
    goal_activate,
    goal_close,
    goal_detail,
    goal_export,
    goal_list,
    goal_propose,
    step_add,
    step_status,
)
from .pages import activity_log, annex_download, quarterly_review
from .plan import plan_apply, plan_export, plan_page
from .reviews import review_account, review_acknowledge, review_close, review_detail, review_queue
from .steps import step_list

__all__ = [
    "plan_apply",
    "plan_export",
    "plan_page",
    "activity_log",
    "amendment_accept",
    "amendment_create",
    "amendment_reject",
    "annex_download",
    "goal_accept",
    "goal_activate",
    "goal_check",
    "goal_close",
    "goal_create",
    "goal_detail",
    "goal_edit",
    "goal_export",
    "goal_list",
    "goal_propose",
    "landmarks_suggest",
    "quarterly_review",
    "review_account",
    "review_acknowledge",
    "review_close",
    "review_detail",
    "review_queue",
    "step_add",
    "step_list",
    "step_status",
]
