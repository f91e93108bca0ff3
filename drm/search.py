"""The API's free-text `search` parameter: declared and applied only on views that search, and
the schema says in which fields.

DRF's SearchFilter declares `search` on every list it is a backend of, searching or not: the
revenue and investment lists declared a filter that ignored what it was given.
"""

from rest_framework.filters import SearchFilter


def searched_fields(view):
    """The fields `view` searches, as the schema names them (`distributor__code` → distributor
    code); empty when it searches nothing."""
    fields = getattr(view, "search_fields", None) or ()
    return [field.lstrip("^=@$").replace("__", " ") for field in fields]


class DeclaredSearchFilter(SearchFilter):
    """`?search=`: declared only where the view has `search_fields`, saying what they are."""

    def get_schema_operation_parameters(self, view):
        fields = searched_fields(view)
        if not fields:
            return []
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["description"] = (
                "Words to find, in any case, in: "
                + ", ".join(fields)
                + "; a row matches when each word is in one of them"
            )
        return parameters
