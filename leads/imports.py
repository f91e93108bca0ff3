"""The MQL import: leads from a marketing tool's CSV/XLSX file, on the shared import engine.

Rows are checked with vectorised pandas operations, staged, and published in one transaction;
a lead whose (source, external reference) is stored already is skipped (the unique constraint
decides, so two imports of one file at once create no duplicate). The same transaction writes
each new lead's event and adds it to the rollups. Routing the new leads, when asked, follows in
the same job once they are committed.
"""

from dataclasses import replace

import pandas as pd
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from distributors.codes import currency_codes
from distributors.imports import (
    CURRENCY_FORMAT,
    PRODUCT_LINE,
    CodeList,
    register,
    register_codes,
)
from distributors.models import ImportBatch, ProductLine
from drm.countries import country_codes
from ingest import checks
from ingest.spec import CODE, INTEGER, MONEY, Column, Spec

from . import rollups
from .models import MONEY_DIGITS, Lead, LeadEvent, LeadSource

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


PRODUCT_LINE_MEANING = gettext_lazy("The product line the prospect asks about; routing reads it.")
EXPORTED = gettext_lazy(
    "Written by the lead export; ignored on import (a lead imported again is skipped)."
)


class LeadSpec(Spec):
    kind = "lead"
    manufacturer_only = True
    columns = (
        Column(
            gettext_noop("source"),
            gettext_lazy("Where the lead came from: a lead source's code."),
            checks.CODE_FORMAT,
            "website",
            required=True,
            kind=CODE,
            codes="lead_sources",
        ),
        Column(
            gettext_noop("external_ref"),
            gettext_lazy(
                "The lead's reference in the marketing tool. A lead whose source and reference "
                "are stored already is skipped, so a file can be imported twice."
            ),
            example="HS-104233",
            required=True,
            max_length=100,
        ),
        Column(
            gettext_noop("company"),
            gettext_lazy("The prospect's company."),
            example="Hydro Ouest SARL",
            required=True,
            max_length=200,
        ),
        Column(
            gettext_noop("country"),
            gettext_lazy("The prospect's country; routing reads it."),
            gettext_lazy("An ISO 3166-1 two-letter country code: FR, DE, US…"),
            "FR",
            required=True,
            kind=CODE,
        ),
        Column(
            gettext_noop("contact_name"),
            gettext_lazy("The person to contact."),
            example="Claire Martin",
            max_length=200,
        ),
        Column(
            gettext_noop("contact_email"),
            gettext_lazy("The contact's e-mail address."),
            gettext_lazy("An e-mail address, up to 254 characters."),
            "claire.martin@example.com",
            max_length=254,
        ),
        Column(
            gettext_noop("contact_phone"),
            gettext_lazy("The contact's phone number."),
            example="+33 2 40 00 00 00",
            max_length=40,
        ),
        Column(
            gettext_noop("region"),
            gettext_lazy("The region within the country; routing may read it."),
            example="Pays de la Loire",
            max_length=60,
        ),
        Column(
            gettext_noop("postcode"),
            gettext_lazy("The prospect's postcode; routing may read it."),
            example="44000",
            max_length=20,
        ),
        replace(PRODUCT_LINE, required=False, meaning=PRODUCT_LINE_MEANING),
        Column(
            gettext_noop("estimated_value"),
            gettext_lazy("What the deal may be worth, in the row's currency."),
            checks.DECIMAL_FORMAT,
            "25000.00",
            number=True,
            kind=MONEY,
            currency="currency",
        ),
        Column(
            gettext_noop("currency"),
            gettext_lazy("The currency of the estimated value; required with one."),
            CURRENCY_FORMAT,
            "EUR",
            kind=CODE,
        ),
        Column(
            gettext_noop("mql_score"),
            gettext_lazy("Marketing's score of the lead; blank for 0."),
            gettext_lazy("A whole number from 0 to 100."),
            "72",
            number=True,
            kind=INTEGER,
        ),
        *(
            Column(name, EXPORTED, ignored=True)
            for name in (
                gettext_noop("id"),
                gettext_noop("status"),
                gettext_noop("distributor"),
                gettext_noop("accept_deadline"),
                gettext_noop("created_at"),
            )
        ),
    )
    stage_columns = (
        ("source_id", "integer"),
        ("external_ref", "varchar(100)"),
        ("company", "varchar(200)"),
        ("contact_name", "varchar(200)"),
        ("contact_email", "varchar(254)"),
        ("contact_phone", "varchar(40)"),
        ("country", "varchar(2)"),
        ("region", "varchar(60)"),
        ("postcode", "varchar(20)"),
        ("product_line_id", "integer"),
        ("estimated_value", f"numeric({MONEY_DIGITS}, 2)"),
        ("currency", "varchar(3)"),
        ("mql_score", "integer"),
    )
    table = Lead._meta.db_table
    key = ("{t}source_id", "{t}external_ref")
    insert_columns = (
        "source_id",
        "external_ref",
        "company",
        "contact_name",
        "contact_email",
        "contact_phone",
        "country",
        "region",
        "postcode",
        "product_line_id",
        "estimated_value",
        "currency",
        "mql_score",
        "status",
        "lost_reason",
        "created_at",
        "updated_at",
    )
    update_columns = ()  # a lead imported before is skipped: its life has moved on since
    references = (
        ("source_id", LeadSource._meta.db_table),
        ("product_line_id", ProductLine._meta.db_table),
    )

    def __init__(self, context):
        super().__init__(context)
        self.sources = dict(LeadSource.objects.values_list("id", "code"))
        self.product_lines = dict(ProductLine.objects.values_list("id", "code"))

    def parse(self, raw, errors):
        number_format = self.context.number_format
        checks.required(raw["source"], "source", errors)
        source = checks.code_lookup(
            raw["source"],
            "source",
            errors,
            {code.lower(): pk for pk, code in self.sources.items()},
            unknown=_("unknown lead source {value}"),
        )
        checks.required(raw["external_ref"], "external_ref", errors)
        reference = self.text(raw, "external_ref", errors)
        checks.required(raw["company"], "company", errors)
        company = self.text(raw, "company", errors)
        contact_name = self.text(raw, "contact_name", errors)
        email = self.text(raw, "contact_email", errors)
        errors.add(
            (raw["contact_email"] != "") & ~raw["contact_email"].str.match(EMAIL),
            "contact_email",
            checks.about(raw["contact_email"], _("is not an e-mail address")),
        )
        phone = self.text(raw, "contact_phone", errors)
        checks.required(raw["country"], "country", errors)
        country = raw["country"].str.upper()
        errors.add(
            (raw["country"] != "") & ~country.isin(list(country_codes())),
            "country",
            checks.about(raw["country"], _("is not an ISO 3166-1 alpha-2 country code")),
        )
        region = self.text(raw, "region", errors)
        postcode = self.text(raw, "postcode", errors)
        product_line = checks.code_lookup(
            raw["product_line"],
            "product_line",
            errors,
            {code.lower(): pk for pk, code in self.product_lines.items()},
            unknown=_("unknown product line {value}"),
        )
        value = checks.decimal(
            raw["estimated_value"],
            "estimated_value",
            errors,
            number_format=number_format,
            max_digits=MONEY_DIGITS,
        )
        currency = raw["currency"].str.upper()
        errors.add(
            (currency != "") & ~currency.isin(list(currency_codes())),
            "currency",
            checks.about(raw["currency"], _("is not an ISO 4217 currency code")),
        )
        errors.add(
            (raw["estimated_value"] != "") & (currency == ""),
            "currency",
            _("is required with an estimated value"),
        )
        score = checks.integer(
            raw["mql_score"].where(raw["mql_score"] != "", "0"),
            "mql_score",
            errors,
            number_format=number_format,
            maximum=100,
        )
        return pd.DataFrame(
            {
                "source_id": source,
                "external_ref": reference,
                "company": company,
                "contact_name": contact_name,
                "contact_email": email.str.lower(),
                "contact_phone": phone,
                "country": country,
                "region": region,
                "postcode": postcode,
                "product_line_id": product_line,
                "estimated_value": value,
                "currency": currency,
                "mql_score": score,
            }
        )

    def select_sql(self, stage, *, now):
        sql = f"""
            SELECT s.source_id, s.external_ref, s.company, COALESCE(s.contact_name, ''),
                COALESCE(s.contact_email, ''), COALESCE(s.contact_phone, ''), s.country,
                COALESCE(s.region, ''), COALESCE(s.postcode, ''), s.product_line_id,
                s.estimated_value, COALESCE(s.currency, ''), COALESCE(s.mql_score, 0),
                'mql', '', %s, %s
            FROM {stage.qname} s WHERE true
        """  # noqa: S608
        return sql, [now, now]

    def after_publish(self, stage, *, now):
        """Each lead this import created gets its event ("" → MQL, imported) and is counted."""
        lead = connection.ops.quote_name(Lead._meta.db_table)
        event = connection.ops.quote_name(LeadEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {event} (lead_id, at, from_status, to_status, note, cause, reason,
                    late, waited_hours, distributor_id, by_id)
                SELECT l.id, %s, '', 'mql', '', 'imported', '', false, NULL, NULL, NULL
                FROM {lead} l JOIN {stage.qname} s
                    ON l.source_id = s.source_id AND l.external_ref = s.external_ref
                WHERE l.created_at = %s
                """,  # noqa: S608
                [now, now],
            )
        # Exactly this import's events: its staged keys, created in this instant.
        rollups.events_count_where(
            f"e.cause = 'imported' AND e.lead_id IN (SELECT l.id FROM {lead} l "  # noqa: S608
            f"JOIN {stage.qname} s ON l.source_id = s.source_id "
            "AND l.external_ref = s.external_ref WHERE l.created_at = %s)",
            [now],
        )
        batch_id = self.context.extra.get("batch_id")
        if batch_id:
            batch = ImportBatch.objects.filter(pk=batch_id).only("options").first()
            options = {**batch.options, "published_at": now.isoformat()}
            ImportBatch.objects.filter(pk=batch_id).update(options=options)

    def after_commit(self, batch_id):
        """Route the leads this import created, when the uploader asked for it."""
        from django.utils.dateparse import parse_datetime

        from .services import leads_route

        batch = ImportBatch.objects.filter(pk=batch_id).only("options", "message").first()
        if batch is None or not batch.options.get("route") or batch.options.get("routed"):
            return
        published = parse_datetime(batch.options.get("published_at", ""))
        if published is None:
            return
        lead_ids = list(
            LeadEvent.objects.filter(at=published, cause=LeadEvent.Cause.IMPORTED).values_list(
                "lead_id", flat=True
            )
        )
        routed, left = leads_route(lead_ids=lead_ids, by=None, mode="import")
        note = " ".join(
            (
                ngettext("Routed %(routed)d lead.", "Routed %(routed)d leads.", routed)
                % {"routed": routed},
                ngettext(
                    "%(left)d left in the pool for a manager.",
                    "%(left)d left in the pool for a manager.",
                    left,
                )
                % {"left": left},
            )
        )
        ImportBatch.objects.filter(pk=batch_id).update(
            options={**batch.options, "routed": True},
            message=f"{batch.message} {note}"[:500],
        )

    def preview(self, staged):
        return [
            {
                "row": int(row.row_no),
                "source": self.sources.get(row.source_id, ""),
                "external_ref": row.external_ref,
                "company": row.company,
                "country": row.country,
                "region": "" if pd.isna(row.region) else row.region,
                "product_line": self.product_lines.get(row.product_line_id, "")
                if pd.notna(row.product_line_id)
                else "",
                "estimated_value": ""
                if pd.isna(row.estimated_value)
                else f"{row.estimated_value:.2f}",
                "currency": "" if pd.isna(row.currency) else row.currency,
                "mql_score": 0 if pd.isna(row.mql_score) else int(row.mql_score),
            }
            for row in staged.itertuples(index=False)
        ]


register(LeadSpec)
register_codes(
    CodeList(
        "lead_sources",
        gettext_lazy("Lead sources"),
        lambda user: LeadSource.objects.only("code", "name", "name_fr").order_by("code"),
        manufacturer_only=True,
    )
)
