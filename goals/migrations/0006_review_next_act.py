"""A landmark review's next act and side, stored (they were worked out per row on every page);
filled here from the rule as it stands in this migration."""

from django.db import migrations, models
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When


def _rule(LandmarkReview, ActionStep, Amendment):
    """The rule of `LandmarkReviewQuerySet.next_act_computed` at the time of this migration."""
    answered = Exists(
        ActionStep.objects.filter(review=OuterRef("pk")).exclude(status="dropped")
    ) | Exists(Amendment.objects.filter(review=OuterRef("pk"), status="accepted"))
    closed = Q(status="closed")
    on_track = Q(outcome="on_track")
    account = Q(outcome__in=("missed", "at_risk")) & (
        Q(status="open") | Q(cause="") | Q(explanation="") | ~answered
    )
    co_set = Q(goal__level="distributor")
    acknowledge = co_set & Q(acknowledged_at__isnull=True)
    figures = on_track | Q(outcome="at_risk", actual__isnull=True)
    text = models.CharField()
    return {
        "computed_act": Case(
            When(closed, then=Value("none")),
            When(on_track, then=Value("figures")),
            When(account, then=Value("account")),
            When(acknowledge, then=Value("acknowledge")),
            When(figures, then=Value("figures")),
            default=Value("close"),
            output_field=text,
        ),
        "computed_side": Case(
            When(closed | on_track, then=Value("")),
            When(
                account,
                then=Case(
                    When(co_set, then=Value("partner")),
                    default=Value("manufacturer"),
                    output_field=text,
                ),
            ),
            When(acknowledge, then=Value("partner")),
            When(figures, then=Value("")),
            default=Value("manufacturer"),
            output_field=text,
        ),
    }


def fill(apps, schema_editor):
    LandmarkReview = apps.get_model("goals", "LandmarkReview")
    computed = LandmarkReview.objects.filter(pk=OuterRef("pk")).annotate(
        **_rule(
            LandmarkReview,
            apps.get_model("goals", "ActionStep"),
            apps.get_model("goals", "Amendment"),
        )
    )
    LandmarkReview.objects.update(
        next_act=Subquery(computed.values("computed_act")[:1]),
        next_side=Subquery(computed.values("computed_side")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0005_free_text_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="landmarkreview",
            name="next_act",
            field=models.CharField(
                choices=[
                    ("account", "Account for the landmark"),
                    ("acknowledge", "Acknowledge the accounting"),
                    ("close", "Close the review"),
                    ("figures", "Final figures (it then closes itself)"),
                    ("none", "Nothing: closed"),
                ],
                default="account",
                editable=False,
                max_length=20,
                verbose_name="next act",
            ),
        ),
        migrations.AddField(
            model_name="landmarkreview",
            name="next_side",
            field=models.CharField(
                blank=True, editable=False, max_length=20, verbose_name="next side"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="landmarkreview",
            index=models.Index(
                condition=models.Q(("next_act__in", ("account", "acknowledge", "close"))),
                fields=["next_side", "next_act"],
                name="review_waiting_person",
            ),
        ),
        migrations.AddIndex(
            model_name="landmarkreview",
            index=models.Index(
                condition=models.Q(("outcome", "missed"), ("status", "open")),
                fields=["opened_at", "id"],
                name="review_missed_open",
            ),
        ),
    ]
