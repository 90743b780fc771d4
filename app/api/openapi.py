"""The OpenAPI 3 description of the API, served at /api/openapi.json."""

from __future__ import annotations

from app.fhir.server import COMMON_PARAMETERS, INCLUDES, SEARCH_PARAMETERS
from app.fhir.server import MAX_PAGE_SIZE as MAX_FHIR_PAGE_SIZE
from app.services.interchange import MAX_ID, MAX_PAGE_SIZE

FHIR_JSON = "application/fhir+json"


def _fhir(description: str, resource_type: str | None = None) -> dict:
    schema = {"$ref": "#/components/schemas/FhirResource"}
    if resource_type:
        schema = {"allOf": [schema, {"type": "object", "properties": {"resourceType": {"const": resource_type}}}]}
    return {"description": description, "content": {FHIR_JSON: {"schema": schema}}}


def _outcome(description: str) -> dict:
    return {
        "description": description,
        "content": {FHIR_JSON: {"schema": {"$ref": "#/components/schemas/OperationOutcome"}}},
    }


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _fhir_errors(*statuses: int) -> dict:
    text = {
        400: "A search parameter is unknown or malformed; the OperationOutcome says which.",
        401: "No valid API token.",
        404: "No such resource for this token's clinic.",
        406: "A format other than JSON was asked for (Accept or _format).",
        422: "Not a response we can score; the OperationOutcome names the problem. Nothing is stored.",
        429: "Rate limit reached for this token.",
    }
    return {str(status): _outcome(text[status]) for status in statuses}


def _json_errors(*statuses: int) -> dict:
    text = {
        400: "A parameter is malformed; the message says which.",
        401: "No valid API token.",
        404: "No such screening for this token's clinic.",
        429: "Rate limit reached for this token.",
    }
    return {str(status): _error(text[status]) for status in statuses}


SCREENING_ID = {
    "name": "screening_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    },
    "FhirResource": {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string"}},
        "description": "A FHIR R4 resource (see hl7.org/fhir/R4).",
    },
    "OperationOutcome": {
        "type": "object",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"const": "OperationOutcome"},
            "issue": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["severity", "code"],
                    "properties": {
                        "severity": {"type": "string"},
                        "code": {"type": "string"},
                        "diagnostics": {"type": "string"},
                        "expression": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "Parameters": {
        "type": "object",
        "required": ["resourceType", "parameter"],
        "description": "A FHIR Parameters resource holding the QuestionnaireResponse as the parameter named response.",
        "properties": {
            "resourceType": {"const": "Parameters"},
            "parameter": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "resource": {"$ref": "#/components/schemas/QuestionnaireResponse"},
                    },
                },
            },
        },
    },
    "QuestionnaireResponse": {
        "type": "object",
        "required": ["resourceType", "questionnaire"],
        "description": "A FHIR R4 QuestionnaireResponse; only the parts read for scoring are described here.",
        "properties": {
            "resourceType": {"const": "QuestionnaireResponse"},
            "id": {"type": "string"},
            "questionnaire": {
                "type": "string",
                "description": (
                    "Our canonical URL (optionally |version) or a LOINC panel code, e.g. "
                    "http://loinc.org/q/44249-1 or LHC-Forms' Questionnaire/44249-1-x."
                ),
            },
            "status": {"type": "string"},
            "authored": {"type": "string"},
            "subject": {"type": "object", "properties": {"reference": {"type": "string"}}},
            "item": {"type": "array", "items": {"$ref": "#/components/schemas/QuestionnaireResponseItem"}},
        },
    },
    "QuestionnaireResponseItem": {
        "type": "object",
        "required": ["linkId"],
        "properties": {
            "linkId": {"type": "string"},
            "answer": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "valueCoding": {
                            "type": "object",
                            "properties": {"system": {"type": "string"}, "code": {"type": "string"}},
                        },
                        "valueInteger": {"type": "integer", "description": "The value of the option chosen."},
                        "valueString": {"type": "string", "description": "The exact wording of the option chosen."},
                        "item": {"type": "array", "items": {"$ref": "#/components/schemas/QuestionnaireResponseItem"}},
                    },
                },
            },
            "item": {"type": "array", "items": {"$ref": "#/components/schemas/QuestionnaireResponseItem"}},
        },
    },
    "Screening": {
        "type": "object",
        "required": [
            "id",
            "status",
            "packet",
            "is_urgent",
            "created_at",
            "completed_at",
            "patient",
            "responses",
            "fhir",
        ],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": ["pending", "in_progress", "completed", "cancelled"]},
            "packet": {"type": "string"},
            "is_urgent": {"type": "boolean", "description": "A safety flag was raised (PHQ-9 item 9 above 0)."},
            "created_at": {"type": "string", "format": "date-time"},
            "completed_at": {"type": ["string", "null"], "format": "date-time"},
            "patient": {
                "type": "object",
                "required": ["mrn", "name", "date_of_birth"],
                "properties": {
                    "mrn": {"type": "string"},
                    "name": {"type": "string"},
                    "date_of_birth": {"type": "string", "format": "date"},
                },
            },
            "responses": {"type": "array", "items": {"$ref": "#/components/schemas/Response"}},
            "fhir": {"type": "string", "description": "Path of the same screening as a FHIR Bundle."},
        },
    },
    "Response": {
        "type": "object",
        "required": ["instrument", "instrument_version", "submitted_at", "is_complete", "answers", "total", "band"],
        "properties": {
            "instrument": {"type": "string", "examples": ["phq9"]},
            "instrument_version": {"type": "string", "description": "SHA-256 of the instrument definition answered."},
            "submitted_at": {"type": "string", "format": "date-time"},
            "is_complete": {"type": "boolean"},
            "answers": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "Item id -> the chosen option's value; an unanswered item is absent.",
            },
            "total": {"type": ["integer", "null"], "description": "Null for an incomplete response: never prorated."},
            "band": {"type": ["string", "null"]},
            "band_label": {"type": ["string", "null"]},
            "flags": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key", "label"],
                    "properties": {"key": {"type": "string"}, "label": {"type": "string"}},
                },
            },
        },
    },
    "ScreeningPage": {
        "type": "object",
        "required": ["screenings", "cursor", "has_more"],
        "properties": {
            "screenings": {"type": "array", "items": {"$ref": "#/components/schemas/Screening"}},
            "cursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` next time to get only screenings completed after these.",
            },
            "has_more": {"type": "boolean", "description": "More screenings are ready now: ask again at once."},
        },
    },
}


RESOURCE_ID = {
    "name": "resource_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9.-]{1,64}$"},
}
SEARCH_SCHEMAS = {
    "_count": {"type": "integer", "minimum": 0, "maximum": MAX_FHIR_PAGE_SIZE, "default": 20},
    "_summary": {"type": "string", "enum": ["count"]},
}
SEARCH_DESCRIPTIONS = {
    "date": "A FHIR date, optionally prefixed: 2026-11-02, ge2026-11, lt2026-11-02T09:00:00Z.",
    "_lastUpdated": "A FHIR date, optionally prefixed, as for date.",
    "patient": "Patient/<id> or <id>; comma-separated ids mean any of them.",
    "subject": "Patient/<id> or <id>.",
    "code": "<code> or <system>|<code>.",
}
READ_HEADERS = {
    "ETag": {"description": 'W/"<meta.versionId>"', "schema": {"type": "string"}},
    "Last-Modified": {"description": "meta.lastUpdated as an HTTP date.", "schema": {"type": "string"}},
}


def _fhir_read(resource_type: str, parameters: list[dict], summary: str) -> dict:
    ok = _fhir(f"The {resource_type}, with meta.versionId and meta.lastUpdated.", resource_type)
    return {
        "get": {
            "summary": summary,
            "operationId": f"read{resource_type}" if parameters == [RESOURCE_ID] else f"vread{resource_type}",
            "parameters": parameters,
            "responses": {
                "200": {**ok, "headers": READ_HEADERS},
                "304": {"description": "Not modified since the version named in If-None-Match."},
                **_fhir_errors(401, 404, 406, 429),
            },
        }
    }


def fhir_server_paths() -> dict:
    paths = {
        "/fhir/metadata": {
            "get": {
                "summary": "The CapabilityStatement: what this server reads and searches",
                "operationId": "capabilities",
                "security": [],
                "responses": {
                    "200": _fhir("The CapabilityStatement.", "CapabilityStatement"),
                    **_fhir_errors(406, 429),
                },
            }
        }
    }
    for resource_type, own in SEARCH_PARAMETERS.items():
        parameters = [
            {
                "name": name,
                "in": "query",
                **({"description": SEARCH_DESCRIPTIONS[name]} if name in SEARCH_DESCRIPTIONS else {}),
                "schema": SEARCH_SCHEMAS.get(name, {"type": "string"}),
            }
            for name in {**COMMON_PARAMETERS, **own}
        ]
        if resource_type in INCLUDES:
            parameters.append(
                {"name": "_include", "in": "query", "schema": {"type": "string", "enum": list(INCLUDES[resource_type])}}
            )
        parameters.append(
            {
                "name": "_offset",
                "in": "query",
                "description": "Where a page starts; given in the Bundle's next link.",
                "schema": {"type": "integer", "minimum": 0, "maximum": 10**9},
            }
        )
        paths[f"/fhir/{resource_type}"] = {
            "get": {
                "summary": f"Search {resource_type} (searchset Bundle with total and next link)",
                "operationId": f"search{resource_type}",
                "parameters": parameters,
                "responses": {"200": _fhir("A searchset Bundle.", "Bundle"), **_fhir_errors(400, 401, 406, 429)},
            }
        }
        paths[f"/fhir/{resource_type}/{{resource_id}}"] = _fhir_read(
            resource_type, [RESOURCE_ID], f"Read one {resource_type}"
        )
    questionnaire_id = {**RESOURCE_ID, "name": "questionnaire_id"}
    paths["/fhir/Questionnaire/{questionnaire_id}/_history"] = {
        "get": {
            "summary": "Every version of a Questionnaire: the installed one and each one a response pinned",
            "operationId": "historyQuestionnaire",
            "parameters": [questionnaire_id],
            "responses": {
                "200": _fhir("A history Bundle, newest first.", "Bundle"),
                **_fhir_errors(401, 404, 406, 429),
            },
        }
    }
    paths["/fhir/Questionnaire/{questionnaire_id}/_history/{version_id}"] = _fhir_read(
        "Questionnaire",
        [questionnaire_id, {**RESOURCE_ID, "name": "version_id"}],
        "One version of a Questionnaire (its content hash), as a response pins it by url|version",
    )
    return paths


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tallyform integration API",
            "version": "1",
            "description": (
                "Read-only access to one clinic's screenings, as JSON and as FHIR R4, and scoring of "
                "QuestionnaireResponses captured elsewhere. Every call needs an API token made by a clinic "
                "admin (Admin → Integrations), sent as `Authorization: Bearer <token>`; it sees its own "
                "clinic only, is rate-limited, and every call is in the clinic's audit trail."
            ),
        },
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": SCHEMAS},
        "paths": {
            "/api/screenings": {
                "get": {
                    "summary": "Completed screenings, oldest first, for polling",
                    "operationId": "listScreenings",
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "description": "Only screenings completed at or after this date or date-time (with zone).",
                            "schema": {"type": "string", "format": "date-time"},
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "description": "The cursor of the previous page.",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of screenings.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScreeningPage"}}},
                        },
                        **_json_errors(400, 401, 429),
                    },
                }
            },
            "/api/screenings/{screening_id}": {
                "get": {
                    "summary": "One screening",
                    "operationId": "getScreening",
                    "parameters": [SCREENING_ID],
                    "responses": {
                        "200": {
                            "description": "The screening.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Screening"}}},
                        },
                        **_json_errors(401, 404, 429),
                    },
                }
            },
            "/fhir/screenings/{screening_id}": {
                "get": {
                    "summary": "A screening as a FHIR Bundle: Patient, QuestionnaireResponses, Observations",
                    "operationId": "getScreeningBundle",
                    "parameters": [SCREENING_ID],
                    "responses": {"200": _fhir("A collection Bundle.", "Bundle"), **_fhir_errors(401, 404, 429)},
                }
            },
            "/fhir/QuestionnaireResponse/$score": {
                "post": {
                    "summary": "Score a QuestionnaireResponse for one of our instruments; nothing is stored",
                    "operationId": "scoreQuestionnaireResponse",
                    "requestBody": {
                        "required": True,
                        "content": {
                            FHIR_JSON: {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/QuestionnaireResponse"},
                                        {"$ref": "#/components/schemas/Parameters"},
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _fhir(
                            "A collection Bundle of Observations (total score, raised flags), then an "
                            "OperationOutcome of warnings when the response is incomplete or its own total "
                            "disagrees with ours.",
                            "Bundle",
                        ),
                        **_fhir_errors(401, 406, 422, 429),
                    },
                }
            },
            **fhir_server_paths(),
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
                }
            },
        },
    }
