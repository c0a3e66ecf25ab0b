"""Schemathesis hooks: how NDJSON request bodies go on the wire.

The imports take `application/x-ndjson` (documented as a string: the lines
themselves), which schemathesis cannot serialize on its own. (The exports'
NDJSON answers stay unvalidated: each line is one documented object.)
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson_body(ctx, value):
    # A string is already the lines; anything else (negative tests draw
    # objects and arrays too) becomes one JSON document a line.
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    rows = value if isinstance(value, list) else [value]
    return "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")
