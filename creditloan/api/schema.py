"""What drf-spectacular cannot see in the views: every operation can fail, and every failure has the one
shape. Declared once here for all of them, as the OpenAPI `default` response."""

ERROR = {
    "type": "object",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string", "description": "For programs: not_found, invalid_input, conflict, …"},
        "message": {"type": "string", "description": "For people, in the request's language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Each field at fault, with what is wrong with it.",
        },
    },
}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    # Request bodies refuse fields they do not declare (StrictSerializer, ModelValidated); the schema says so.
    for name, component in schemas.items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {})["default"] = {
                "description": "An error: the status says which kind, the body says what and where.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return result
