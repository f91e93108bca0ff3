"""The OpenAPI schema's shared part: the one error shape, and the errors every operation answers.

drf-spectacular documents what a view returns when all goes well; the failures come from shared
plumbing (authentication, permissions, throttles, parsers, content negotiation, pagination and
`drm.api.exception_handler`), so they are documented here once, as a postprocessing hook, for every
operation the plumbing applies to. A view that documents an error itself keeps its description;
the hook gives it the error body's schema.
"""

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every failure of the API has this shape (drm.api.exception_handler).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": (
                        "What went wrong, for programs: invalid, not_authenticated, "
                        "authentication_failed, permission_denied, forbidden, not_found, "
                        "method_not_allowed, not_acceptable, unsupported_media_type, "
                        "conflict, throttled, unavailable, server_error…"
                    ),
                },
                "message": {"type": "string", "description": "What went wrong, for people."},
                "fields": {
                    "type": "object",
                    "description": "The messages for each input at fault, by its name.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                # A list of findings or a mapping of messages, as the service that refused says.
                "details": {"description": "More about the failure, where there is more."},
            },
            "required": ["code", "message"],
        },
    },
    "required": ["error"],
}

WRITE_METHODS = frozenset(("post", "put", "patch", "delete"))


# Schema texts are English, like the rest of the schema's descriptions.
DESCRIPTIONS = {
    "400": "Invalid input: a parameter or the body breaks the rules; nothing was changed.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "Not allowed: no portal role, or not yours to do.",
    "404": "No such object among those you may see, or no such page.",
    "406": "The Accept header asks for a format the API does not serve.",
    "409": "The change conflicts with the stored data or a run under way; nothing was saved.",
    "415": "The body is in a format the API does not read.",
    "429": "Too many requests; Retry-After says how many seconds to wait.",
    "503": "The database could not complete the request; nothing was saved. Try again.",
}


HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": "How to authenticate (Token).",
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer"},
        }
    },
}


def _error_codes(method, operation):
    """The failures the shared plumbing can answer this operation with."""
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    codes = {"401", "403", "406", "429", "503"}
    # A write can always be refused by the rules of the domain (drm.errors.DomainError).
    if has_body or method in WRITE_METHODS or any(p.get("in") == "query" for p in parameters):
        codes.add("400")
    if any(p.get("in") == "path" for p in parameters) or any(
        p.get("name") in ("page", "cursor") for p in parameters
    ):
        codes.add("404")
    if method in WRITE_METHODS:
        codes.add("409")
    if has_body:
        codes.add("415")
    return codes


def error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the Error component and every operation's errors."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _error_codes(method, operation):
                responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            for code, response in responses.items():
                if str(code)[0] in "45":
                    response.setdefault("content", content)
                    if str(code) in HEADERS:
                        response.setdefault("headers", HEADERS[str(code)])
            operation["responses"] = dict(sorted(responses.items()))
    return result
