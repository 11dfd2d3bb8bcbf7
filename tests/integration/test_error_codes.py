"""Every error code a service can raise exists in its model (or is one of AWS's common errors),
and the generated error factories (src/services/*/errors.h) are current with models/.

A static check of the source: services raise errors through their generated factories
(services/<svc>/errors.h) or core/error.h's common ones; a code spelled as a string literal in
a service is either one of those or listed below with the reason AWS sends it."""
import json
import os
import re
import subprocess
import sys
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "src")

sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_errors  # noqa: E402

# AWS's common errors (each API reference's "Common Errors" page) and Stratus' own protocol-level
# answers: they are not error shapes in the service models.
COMMON = {
    "AccessDenied", "AccessDeniedException", "ExpiredTokenException", "IncompleteSignature",
    "InternalFailure", "InternalServerError", "InvalidAction", "InvalidClientTokenId",
    "InvalidParameterCombination", "InvalidParameterValue", "InvalidQueryParameter",
    "InvalidSignatureException", "MalformedQueryString", "MissingAction",
    "MissingAuthenticationToken", "MissingParameter", "NotAuthorized", "NotImplemented",
    "OptInRequired", "RequestExpired", "SerializationException", "ServiceUnavailable",
    "ServiceUnavailableException", "ThrottlingException", "UnknownOperationException",
    "UnrecognizedClientException", "ValidationError", "ValidationException",
    "SignatureDoesNotMatch", "RequestEntityTooLarge", "UnsupportedProtocol",
}

# Codes AWS sends that its models do not declare, per service folder, with the reason.
UNMODELED = {
    # SQS's awsQuery error codes are mapped from shape names by the codecs; these are sent as is.
    "sqs": {"AWS.SimpleQueueService.NonExistentQueue"},
}

CODE_RE = re.compile(r'AwsError\s*[({]\s*"([A-Za-z][A-Za-z0-9.]*)"|return\s*\{\s*"([A-Z][A-Za-z0-9.]*(?:Exception|Error|Fault|Failure))"')


def model_errors(stem):
    with open(os.path.join(ROOT, "models", stem + ".json")) as f:
        shapes = json.load(f)["shapes"]
    return {name for name, s in shapes.items() if s.get("exception")} | {
        s["error"]["code"] for s in shapes.values() if s.get("exception") and "code" in s.get("error", {})}


def raised_codes(folder):
    out = {}
    base = os.path.join(SRC, "services", folder)
    for dirpath, _, files in os.walk(base):
        for name in files:
            if not name.endswith((".cc", ".h")) or name == "errors.h":
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    for m in CODE_RE.finditer(line):
                        code = m.group(1) or m.group(2)
                        out.setdefault(code, f"{os.path.relpath(path, ROOT)}:{lineno}")
    return out


class ErrorCodes(unittest.TestCase):
    def test_generated_factories_are_current(self):
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_errors.py"), "--check"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_every_raised_code_is_in_the_model(self):
        problems = []
        for folder, models in gen_errors.SERVICES.items():
            known = set(COMMON) | UNMODELED.get(folder, set())
            for stem, _ in models:
                known |= model_errors(stem)
            for code, where in sorted(raised_codes(folder).items()):
                if code not in known:
                    problems.append(f"{where}: {code} is not an error of {folder}'s model")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_the_check_can_fail(self):
        self.assertIn("Foo", {m.group(1) for m in CODE_RE.finditer('throw AwsError("Foo", "x");')})


if __name__ == "__main__":
    unittest.main()
