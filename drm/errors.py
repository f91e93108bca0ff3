"""The one family of domain errors that services raise; views and the API translate them."""


class DomainError(Exception):
    """A rule of the domain was broken. `field` names the input at fault, when there is one."""

    code = "invalid"
    status = 400

    def __init__(self, message, *, field=None, details=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or []


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    """The request is fine but the state forbids it now (a run already under way)."""

    code = "conflict"
    status = 409
