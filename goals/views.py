"""Pages of the goals app (being built: every route answers 404 until its view lands)."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


activity_log = _not_yet
amendment_accept = _not_yet
amendment_create = _not_yet
amendment_reject = _not_yet
annex_download = _not_yet
goal_accept = _not_yet
goal_activate = _not_yet
goal_check = _not_yet
goal_close = _not_yet
goal_create = _not_yet
goal_detail = _not_yet
goal_edit = _not_yet
goal_export = _not_yet
goal_list = _not_yet
goal_propose = _not_yet
landmarks_suggest = _not_yet
quarterly_review = _not_yet
review_account = _not_yet
review_acknowledge = _not_yet
review_close = _not_yet
review_detail = _not_yet
review_queue = _not_yet
step_add = _not_yet
step_status = _not_yet
