"""The landmark and bonus band rows of the goal forms as a browser posts them (formsets)."""


def rows_data(prefix, columns, rows, *, total=None):
    """`rows` (tuples in `columns`' order; None for a row removed in the page) as the formset
    `prefix` posts them."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) if total is None else total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "100",
    }
    for index, row in enumerate(rows):
        if row is None:
            continue
        for column, value in zip(columns, row, strict=True):
            data[f"{prefix}-{index}-{column}"] = "" if value is None else str(value)
    return data


def landmarks_data(*rows):
    return rows_data("landmarks", ("date", "value"), list(rows))


def bands_data(*rows):
    return rows_data("bands", ("threshold", "kind", "amount"), list(rows))


def shown_rows_data(form):
    """The rows a goal form showed, posted back untouched."""
    landmarks = [(row["date"], row["value"]) for row in form.initial.get("landmarks") or []]
    bands = [(b["threshold"], b["kind"], b["amount"]) for b in form.initial.get("bands") or []]
    return landmarks_data(*landmarks) | bands_data(*bands)
