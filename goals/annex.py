"""The contract annex: a distributor's agreed goals of a year as a PDF, in its own language.

reportlab's standard Helvetica fonts encode WinAnsi, which covers French accents and the euro sign.
"""

import io
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from drm.formats import date_time

from . import selectors
from .terms import terms_view

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
    # The Helvetica of the PDF encodes WinAnsi: a narrow no-break space (French grouping) is
    # written as the no-break space it has.
    if value in (None, ""):
        return "—"
    return escape(str(value).replace("\u202f", "\u00a0"))


def _when(value):
    return date_time(value) if value else "—"


def _person(user):
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _goal_story(goal, styles):
    """One goal's terms, written by `goals.terms.terms_view` as the goal page writes them."""
    terms = terms_view(goal)
    body = styles["BodyText"]
    story = [Paragraph(_text(terms.title), styles["Heading2"])]
    if terms.subtitle:
        story.append(Paragraph(_text(terms.subtitle), body))
    table = Table(
        [[Paragraph(_text(k), body), Paragraph(_text(v), body)] for k, v in terms.rows],
        colWidths=[40 * mm, 130 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(table)
    story.append(Paragraph(_text(_("Landmarks")), styles["Heading3"]))
    if terms.landmarks:
        rows = [[_("Date"), _("Expected value")]]
        rows += [[_text(day), _text(value)] for _day, day, value in terms.landmarks]
        table = Table(rows, colWidths=[50 * mm, 60 * mm])
        table.setStyle(TABLE_STYLE)
        story.append(table)
    else:
        story.append(Paragraph(_("None."), body))
    story.append(
        Paragraph(
            _text(_("Bonus bands (paid in %(currency)s)") % {"currency": terms.payout_currency}),
            styles["Heading3"],
        )
    )
    if terms.bands:
        rows = [[_("Attainment from"), _("Payout kind"), _("Payout")]]
        rows += [
            [_text(threshold), _text(kind), Paragraph(_text(payout), body)]
            for threshold, kind, payout in terms.bands
        ]
        table = Table(rows, colWidths=[40 * mm, 50 * mm, 80 * mm])
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
