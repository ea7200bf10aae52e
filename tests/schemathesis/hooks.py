"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by run.py)."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """A body for POST /todos/import: the generated object as one NDJSON line."""
    if isinstance(value, bytes):
        return value
    return (json.dumps(value) + "\n").encode()
