"""Signs requests with botocore (pure-Python SigV4Auth/SigV4QueryAuth and, if awscrt imports, the CRT signers).

Input on stdin: JSON list of {"id","method","url","headers":{...},"body","access_key","secret_key","token","region",
"service","presign_expires"}; output on stdout: JSON list of {"id","signer","method","url","headers":[[name,value],...],
"body"}. Used by BotocoreCompatibilityTests; run with Debian's /usr/bin/python3 (python3-boto3).
"""
import json
import sys

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

try:
    from botocore.crt.auth import CrtSigV4Auth, CrtSigV4QueryAuth
    import awscrt  # noqa: F401
    HAVE_CRT = True
except ImportError:
    HAVE_CRT = False


def sign(case, signer_name):
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    request = AWSRequest(method=case["method"], url=case["url"], headers=dict(case.get("headers") or {}),
                         data=case.get("body", "").encode("utf-8"))
    expires = case.get("presign_expires")
    if signer_name == "botocore":
        auth = (SigV4QueryAuth(credentials, case["service"], case["region"], expires=expires) if expires
                else SigV4Auth(credentials, case["service"], case["region"]))
    else:
        auth = (CrtSigV4QueryAuth(credentials, case["service"], case["region"], expires=expires) if expires
                else CrtSigV4Auth(credentials, case["service"], case["region"]))
    auth.add_auth(request)
    return {
        "id": case["id"],
        "signer": signer_name,
        "method": request.method,
        "url": request.url,
        "headers": [[k, v if isinstance(v, str) else v.decode("utf-8")] for k, v in request.headers.items()],
        "body": case.get("body", ""),
    }


def main():
    cases = json.load(sys.stdin)
    signers = ["botocore"] + (["crt"] if HAVE_CRT else [])
    out = [sign(case, name) for name in signers for case in cases]
    json.dump({"crt": HAVE_CRT, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
