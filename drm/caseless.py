"""Codes matched in any case, the one way codes are matched everywhere: the `caseless` lookup,
the unique index that makes it name one row, and the form fields that read a code so."""

from django import forms
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


@models.SlugField.register_lookup
class Caseless(models.Lookup):
    """`code__caseless=value`: a code in any case, the one way codes are matched everywhere.

    LOWER(code) = LOWER(value) is the expression of the unique index every code has (see
    `caseless_unique`): at most one row matches, found through that index.
    """

    lookup_name = "caseless"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) = LOWER({rhs})", [*lhs_params, *rhs_params]


def caseless_unique(model_name):
    """Codes are unique in any case: `ACME` and `acme` cannot both exist, so files and API
    clients that write a code in another case still name exactly one row."""
    return models.UniqueConstraint(
        Lower("code"),
        name=f"{model_name}_code_unique_caseless",
        violation_error_message=_("This code is taken (codes are the same in any case)."),
    )


class CaselessCode:
    """A choice named by its code, in any case (`code__caseless`): forms, filters, API and
    imports all match codes the same way."""

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            return value
        try:
            return self.queryset.get(code__caseless=str(value))
        except (ValueError, TypeError, ObjectDoesNotExist, MultipleObjectsReturned):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class CodeChoiceField(CaselessCode, forms.ModelChoiceField):
    pass
