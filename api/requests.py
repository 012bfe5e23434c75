"""Reading JSON request bodies into pydantic schemas, with clear errors."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, ValidationError
from werkzeug.exceptions import BadRequest

from api.errors import ApiError

M = TypeVar("M", bound=BaseModel)


class Schema(BaseModel):
    """Base of request schemas: unknown fields are an error, never dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def json_body(model: type[M]) -> M:
    """Parse the request body as ``model`` or raise the matching ApiError."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "The request body must be JSON (Content-Type: application/json).",
            {"content_type": request.content_type},
        )
    try:
        data = request.get_json()
    except BadRequest as exc:
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            422, "invalid_request", "Some fields are missing or wrong.", validation_details(exc)
        ) from exc


def validation_details(exc: ValidationError) -> dict[str, Any]:
    return {
        "fields": [
            {
                "field": ".".join(str(part) for part in err["loc"]) or "(body)",
                "message": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
    }
