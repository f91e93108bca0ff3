"""Reference data named in English and in French, read in the reader's language.

A tier, a territory, a product line, a customer category, a lead source and a region each keep
their English `name` and may carry a `name_fr`; an empty French name falls back to the English
one. `display_name` (Python) and `display_name_sql` (a query's twin of it) are the one way
such a name is read, so that a page, an export, a PDF, an e-mail and the API say the same.
"""

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

FRENCH = "fr"


def reads_french(language=None):
    """Whether `language` (by default the active one: the request's, or the recipient's inside
    `translation.override`) is French, whatever its variant (`fr`, `fr-ch`)."""
    language = language or get_language() or ""
    return language.lower().split("-")[0] == FRENCH


def name_in(name, name_fr, language=None):
    """The name a reader of `language` sees: the French name when it has one, else the English."""
    if reads_french(language):
        return name_fr or name
    return name


def display_name_sql(prefix=""):
    """The SQL expression of `display_name` for `<prefix>name` / `<prefix>name_fr`, in the active
    language: `values(line=display_name_sql("product_line__"))`."""
    english = F(f"{prefix}name")
    if not reads_french():
        return english
    return Coalesce(NullIf(F(f"{prefix}name_fr"), Value("")), english)


class FrenchNamed(models.Model):
    """Adds the French name and the one accessor that reads the name in the active language."""

    name_fr = models.CharField(
        _("name in French"),
        max_length=120,
        blank=True,
        help_text=_("What French readers see; empty: the English name"),
    )

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return name_in(self.name, self.name_fr)

    @property
    def name_en(self):
        return self.name

    @property
    def french_name(self):
        """The name French readers see (the English one where no French name is set)."""
        return name_in(self.name, self.name_fr, FRENCH)
