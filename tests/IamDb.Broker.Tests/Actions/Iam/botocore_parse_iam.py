"""Parse an IAM Query-protocol XML response with botocore's own parser; print the result as JSON.

Usage: botocore_parse_iam.py OPERATION < body.xml
Timestamps print as ISO-8601 UTC with microseconds; blobs (GetCredentialReport's Content) print base64-encoded.
Exit code 3 means botocore is not importable (install Debian's python3-boto3).
"""
import base64
import datetime
import json
import sys

try:
    import botocore.parsers
    import botocore.session
except ImportError:
    sys.stderr.write("botocore is not installed for this python: install python3-boto3\n")
    sys.exit(3)


def to_json(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(repr(value))


operation = sys.argv[1]
model = botocore.session.get_session().get_service_model("iam")
response = {"body": sys.stdin.buffer.read(), "headers": {}, "status_code": 200}
parsed = botocore.parsers.QueryParser().parse(response, model.operation_model(operation).output_shape)
json.dump(parsed, sys.stdout, default=to_json, sort_keys=True)
