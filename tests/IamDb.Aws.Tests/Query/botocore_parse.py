"""Parse a Query-protocol XML response with botocore's own parser and print the result as JSON.

Usage: botocore_parse.py SERVICE OPERATION STATUS < body.xml
Exit code 3 means botocore is not importable (install Debian's python3-boto3).
"""
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
    raise TypeError(repr(value))


def main():
    service, operation, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
    body = sys.stdin.buffer.read()
    model = botocore.session.get_session().get_service_model(service)
    output_shape = model.operation_model(operation).output_shape
    response = {"body": body, "headers": {}, "status_code": status}
    parsed = botocore.parsers.QueryParser().parse(response, output_shape)
    json.dump(parsed, sys.stdout, default=to_json, sort_keys=True)


main()
