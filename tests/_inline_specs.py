"""Small specs in the style of public APIs, and a helper that generates and imports a package.

`TRAIN` follows Bump.sh's Train Travel API (OAS 3.1): inline response and request schemas, an
inline `allOf` response, errors documented as `400 application/problem+json` (no 422).
`MESSAGES` follows Anthropic's: every error is `4XX` with `ErrorResponse {type: "error", error}`.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from vlmspec import codegen

_PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
_BOOKING = {"$ref": "#/components/schemas/Booking"}
TRAIN: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Train Travel API", "version": "1.0.0"},
    "paths": {
        "/bookings": {
            "get": {
                "operationId": "get-bookings",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "A list of bookings",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/Wrapper-Collection"},
                                        {
                                            "properties": {
                                                "data": {"type": "array", "items": _BOOKING}
                                            }
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "400": _PROBLEM,
                },
            },
            "post": {
                "operationId": "create-booking",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["trip_id", "passenger_name"],
                                "properties": {
                                    "trip_id": {"type": "string", "format": "uuid"},
                                    "passenger_name": {"type": "string", "minLength": 1},
                                    "has_bicycle": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"content": {"application/json": {"schema": _BOOKING}}},
                    "400": _PROBLEM,
                    "409": _PROBLEM,
                },
            },
        },
        "/bookings/{bookingId}": {
            "get": {
                "operationId": "get-booking",
                "parameters": [
                    {
                        "name": "bookingId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["x"],
                                    "properties": {"x": {"type": "integer"}},
                                }
                            }
                        }
                    },
                    "404": _PROBLEM,
                },
            }
        },
        "/stations": {
            "get": {
                "operationId": "get-stations",
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["id"],
                                        "properties": {"id": {"type": "string"}},
                                    },
                                }
                            }
                        }
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Booking": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "passenger_name": {"type": "string"}},
            },
            # A component already named like a hoisted schema: it keeps its name.
            "GetBooking200Response": {"type": "object", "properties": {"y": {"type": "string"}}},
            "Wrapper-Collection": {
                "type": "object",
                "properties": {"data": {"type": "array", "items": {"type": "object"}}},
            },
            "Problem": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "format": "uri-reference"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                    "status": {"type": "integer"},
                },
            },
        }
    },
}

MESSAGES: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Messages", "version": "1"},
    "paths": {
        "/v1/messages": {
            "post": {
                "operationId": "messages_post",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["model", "max_tokens"],
                                "properties": {
                                    "model": {"type": "string"},
                                    "max_tokens": {"type": "integer", "minimum": 1},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Message"}}
                        }
                    },
                    "4XX": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ErrorResponse"}
                            }
                        }
                    },
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Message": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}},
            },
            "ErrorResponse": {
                "type": "object",
                "required": ["type", "error"],
                "properties": {
                    "type": {"type": "string", "enum": ["error"], "default": "error"},
                    "error": {
                        "discriminator": {"propertyName": "type"},
                        "oneOf": [
                            {"$ref": "#/components/schemas/InvalidRequestError"},
                            {"$ref": "#/components/schemas/NotFoundError"},
                        ],
                    },
                },
            },
            "InvalidRequestError": {
                "type": "object",
                "required": ["type", "message"],
                "properties": {
                    "type": {"type": "string", "enum": ["invalid_request_error"]},
                    "message": {"type": "string"},
                },
            },
            "NotFoundError": {
                "type": "object",
                "required": ["type", "message"],
                "properties": {
                    "type": {"type": "string", "enum": ["not_found_error"]},
                    "message": {"type": "string"},
                },
            },
        }
    },
}


def generate(spec: dict[str, Any], out: Path, package: str) -> list[ModuleType]:
    """Render ``spec`` as the CLI does into ``out/package``; import models, server, client."""
    files = codegen.render_package(
        spec, source=f"{package}.yaml", sha256="0" * 64, out=out / package, package=package
    )
    assert isinstance(files, dict), files
    (out / package).mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(out))
    try:
        return [importlib.import_module(f"{package}.{m}") for m in ("models", "server", "client")]
    finally:
        sys.path.remove(str(out))
