"""Columns of the manager's distributor list that the apps above this one add.

Distributors must not import leads, goals or scoring (the layers run one way), yet its list
shows their figures: a score, a rank, goal attainment, overdue leads. Each of those apps
registers its columns here from its AppConfig.ready(); the list, its export and the API's
ordering read the registry. A column is an annotation over distributor rows (so it sorts in
SQL, in the one query that reads the page) and one formatter that both the page and the
export write its cells with.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Column:
    key: str  # the name `?sort=` and `?ordering=` take
    label: Any  # the page's header (a lazy translation)
    header: str  # the export's header: a msgid (gettext_noop), translated at export time
    expression: Callable  # expression(today) -> an expression over a Distributor row
    text: Callable  # text(value) -> the cell as the reader writes it (page and export)
    order: int = 100  # where it stands among the registered columns
    # The direction a click on its header sorts first: the best at the top.
    descending_first: bool = True

    @property
    def alias(self):
        return f"column_{self.key}"

    def value(self, row):
        return getattr(row, self.alias, None)

    def cell(self, row):
        return self.text(self.value(row))

    def ordering(self, descending):
        """Rows without a value come last both ways."""
        field = F(self.alias)
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)


_REGISTRY: dict[str, Column] = {}


def register(column):
    """Add (or replace, on a reload) a column; returns it."""
    _REGISTRY[column.key] = column
    return column


def registered():
    return sorted(_REGISTRY.values(), key=lambda column: (column.order, column.key))


def get(key):
    return _REGISTRY.get(key)


def annotate(queryset, keys=None, *, today=None):
    """`queryset` with the columns named by `keys` (all when None) annotated, each once."""
    today = today or timezone.localdate()
    wanted = registered() if keys is None else [_REGISTRY[k] for k in keys if k in _REGISTRY]
    present = set(queryset.query.annotations)
    extra = {c.alias: c.expression(today) for c in wanted if c.alias not in present}
    return queryset.annotate(**extra) if extra else queryset


@dataclass(frozen=True)
class ContractCell:
    """Where a distributor's contract stands today, as the list and its export write it."""

    state: str  # Distributor.Contract
    label: str
    days_left: int | None  # negative once ended
    text: str  # "12 days left", "ended 3 days ago", "" when it has no end date


def contract_cell(distributor, today=None):
    """The one rule (`Distributor.contract_state`) written the one way."""
    today = today or timezone.localdate()
    state = distributor.contract_state(today)
    days = distributor.contract_days_left(today)
    if days is None or state in (distributor.Contract.NONE, distributor.Contract.NOT_STARTED):
        text = ""
    elif days < 0:
        text = ngettext("ended %(days)s day ago", "ended %(days)s days ago", -days) % {
            "days": -days
        }
    else:
        text = ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
    return ContractCell(state, str(distributor.Contract(state).label), days, text)
