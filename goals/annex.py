"""The contract annex: a distributor's agreed goals of a year as a PDF, in its own language.

reportlab's standard Helvetica fonts encode WinAnsi, which covers French accents and the euro sign.
"""

import io
from xml.sax.saxutils import escape

from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import selectors
from .metrics import metric_get

TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _text(value):
    return escape(str(value)) if value not in (None, "") else "—"


def _date(value):
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


def _when(value):
    return formats.date_format(value, "DATETIME_FORMAT") if value else "—"


def _number(value):
    return formats.number_format(value, 2, force_grouping=True) if value is not None else "—"


def _person(user):
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _metric_label(goal):
    try:
        return str(metric_get(goal.metric).label)
    except LookupError:
        return goal.metric


def _goal_story(goal, styles):
    story = [Paragraph(_text(goal.title), styles["Heading2"])]
    if goal.description:
        story.append(Paragraph(_text(goal.description), styles["BodyText"]))
    baseline = _("%(value)s %(unit)s (%(first)s – %(last)s)") % {
        "value": _number(goal.baseline),
        "unit": goal.unit,
        "first": _date(goal.baseline_start),
        "last": _date(goal.baseline_end),
    }
    facts = [
        (_("Metric"), _metric_label(goal)),
        (_("Scope"), str(goal.scope_label)),
        (_("Baseline"), baseline),
        (_("Target"), f"{_number(goal.target)} {goal.unit}"),
        (_("Start"), _date(goal.start)),
        (_("Due"), _date(goal.due)),
        (_("Why it matters"), goal.exciting or "—"),
    ]
    body = styles["BodyText"]
    table = Table(
        [[Paragraph(_text(k), body), Paragraph(_text(v), body)] for k, v in facts],
        colWidths=[40 * mm, 130 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(table)
    landmarks = list(goal.landmarks.all())
    story.append(Paragraph(_("Landmarks"), styles["Heading3"]))
    if landmarks:
        rows = [[_("Date"), _("Expected value")]]
        rows += [[_date(lm.date), f"{_number(lm.expected)} {goal.unit}"] for lm in landmarks]
        table = Table(rows, colWidths=[50 * mm, 60 * mm])
        table.setStyle(TABLE_STYLE)
        story.append(table)
    else:
        story.append(Paragraph(_("None."), body))
    bands = list(goal.bands.all())
    story.append(Paragraph(_("Bonus bands"), styles["Heading3"]))
    if bands:
        rows = [[_("Attainment from"), _("Payout kind"), _("Payout")]]
        for band in bands:
            amount = (
                f"{_number(band.amount)} %"
                if band.kind == band.Kind.PERCENT_ABOVE
                else f"{_number(band.amount)} {goal.unit}"
            )
            rows.append([f"{_number(band.threshold)} %", band.get_kind_display(), amount])
        table = Table(rows, colWidths=[40 * mm, 70 * mm, 50 * mm])
        table.setStyle(TABLE_STYLE)
        story.append(table)
    else:
        story.append(Paragraph(_("None."), body))
    story.append(Paragraph(_("Acceptance"), styles["Heading3"]))
    rows = [
        [_("Side"), _("Accepted by"), _("Accepted at")],
        [
            _("Manufacturer"),
            _person(goal.manufacturer_accepted_by),
            _when(goal.manufacturer_accepted_at),
        ],
        [_("Distributor"), _person(goal.partner_accepted_by), _when(goal.partner_accepted_at)],
    ]
    table = Table(rows, colWidths=[40 * mm, 60 * mm, 60 * mm])
    table.setStyle(TABLE_STYLE)
    story += [table, Spacer(1, 8 * mm)]
    return story


def annex_pdf(*, distributor, year, goals=None) -> bytes:
    """The annex of `distributor`'s goals agreed for `year`, in the distributor's language."""
    if goals is None:
        goals = selectors.annex_goals(distributor=distributor, year=year)
    buffer = io.BytesIO()
    with translation.override(distributor.language or None):
        styles = getSampleStyleSheet()
        title = _("Contract annex: goals %(year)s") % {"year": year}
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=title,
            author=str(distributor.name),
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
        )
        story = [
            Paragraph(_text(title), styles["Title"]),
            Paragraph(
                _text(
                    _("%(name)s (%(code)s), year %(year)s")
                    % {"name": distributor.name, "code": distributor.code, "year": year}
                ),
                styles["Heading2"],
            ),
            Spacer(1, 6 * mm),
        ]
        for goal in goals:
            story += _goal_story(goal, styles)
        document.build(story)
    return buffer.getvalue()
