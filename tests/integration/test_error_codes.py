"""Every error code a service can raise exists in its model (or is one of AWS's common errors).
(The error factories, services/<svc>/errors.h, are generated from models/ at build time by
tools/gen_errors.cc, so they cannot be stale.)

A static check of the source: services raise errors through their generated factories
(services/<svc>/errors.h) or core/error.h's common ones; a code spelled as a string literal in
a service is either one of those or listed below with the reason AWS sends it."""
import json
import os
import re
import sys
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "src")

# The models of each service folder: models/<folder>.json, and the extra ones CMakeLists.txt's
# STRATUS_ERROR_MODELS_<folder> names.
def service_models():
    cmake = open(os.path.join(ROOT, "CMakeLists.txt")).read()
    out = {}
    for folder in sorted(os.listdir(os.path.join(SRC, "services"))):
        if os.path.exists(os.path.join(ROOT, "models", folder + ".json")):
            out[folder] = [folder]
            m = re.search(rf"set\(STRATUS_ERROR_MODELS_{folder} ([^)]*)\)", cmake)
            if m:
                out[folder] += [x.split("=")[0] for x in m.group(1).split()]
    return out

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
    # Lambda answers an oversized Invoke payload with RequestEntityTooLargeException (413): the
    # model's shape is RequestTooLargeException, the code on the wire is not.
    "lambda": {"RequestEntityTooLargeException"},
    # SES v1 answers an exceeded sending quota with the code Throttling ("Daily message quota
    # exceeded.", SES developer guide, "Errors related to sending quotas"); ses.json has no such shape.
    "ses": {"Throttling"},
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
    def test_every_service_folder_has_its_models(self):
        models = service_models()
        self.assertIn("dynamodbstreams", models["dynamodb"])
        for folder in ("sqs", "sns", "lambda", "dynamodb"):
            self.assertIn(folder, models)

    def test_every_raised_code_is_in_the_model(self):
        problems = []
        for folder, models in service_models().items():
            known = set(COMMON) | UNMODELED.get(folder, set())
            for stem in models:
                known |= model_errors(stem)
            for code, where in sorted(raised_codes(folder).items()):
                if code not in known:
                    problems.append(f"{where}: {code} is not an error of {folder}'s model")
        self.assertEqual(problems, [], "\n".join(problems))

    def test_the_check_can_fail(self):
        self.assertIn("Foo", {m.group(1) for m in CODE_RE.finditer('throw AwsError("Foo", "x");')})


if __name__ == "__main__":
    unittest.main()
