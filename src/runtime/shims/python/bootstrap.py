# Stratus' Lambda runtime client for Python: imports the handler named by _HANDLER
# ("module.function", folders separated by "/") from LAMBDA_TASK_ROOT and serves invocations
# through the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, like AWS's own runtime interface client.
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback
import decimal

_api = os.environ["AWS_LAMBDA_RUNTIME_API"]
_hostport, _, _prefix = _api.partition("/")
_prefix = ("/" + _prefix) if _prefix else ""
_host, _, _port = _hostport.rpartition(":")
_base = _prefix + "/2018-06-01/runtime"
_conn = http.client.HTTPConnection(_host, int(_port))


def _request(method, path, body=None, headers=None):
    global _conn
    for attempt in range(2):
        try:
            _conn.request(method, _base + path, body=body, headers=headers or {})
            r = _conn.getresponse()
            return r.status, r.getheaders(), r.read()
        except (ConnectionError, http.client.HTTPException, OSError):
            _conn.close()
            _conn = http.client.HTTPConnection(_host, int(_port))
            if attempt:
                os._exit(1)  # the runtime API is gone: stratus stopped


def _error_doc(exc, error_type=None, tb=None):
    st = traceback.format_list(traceback.extract_tb(tb if tb is not None else exc.__traceback__))
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": [s for s in st],
    }


def _log_error(doc):
    lines = "".join(doc.get("stackTrace") or [])
    sys.stdout.write("[ERROR] %s: %s\nTraceback (most recent call last):\n%s" %
                     (doc["errorType"], doc["errorMessage"], lines))
    sys.stdout.flush()


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


class CognitoIdentity(object):
    def __init__(self, d):
        self.cognito_identity_id = d.get("cognitoIdentityId")
        self.cognito_identity_pool_id = d.get("cognitoIdentityPoolId")


class ClientContext(object):
    def __init__(self, d):
        self.client = d.get("client")
        self.custom = d.get("custom")
        self.env = d.get("env")


class LambdaContext(object):
    def __init__(self, request_id, deadline_ms, invoked_arn, client_context, cognito):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = deadline_ms
        self.identity = CognitoIdentity(json.loads(cognito)) if cognito else None
        self.client_context = ClientContext(json.loads(client_context)) if client_context else None
        self.tenant_id = None

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def log(self, msg):
        sys.stdout.write(msg)
        sys.stdout.flush()


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
        "%Y-%m-%dT%H:%M:%S"))
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def _load_handler():
    spec = os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    modname, _, fname = spec.rpartition(".")
    if not modname or not fname:
        return None, {"errorMessage": "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec,
                      "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []}
    modname = modname.replace("/", ".")
    try:
        mod = importlib.import_module(modname)
    except ImportError as e:
        return None, {"errorMessage": "Unable to import module '%s': %s" % (modname, e),
                      "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}
    except SyntaxError as e:
        return None, {"errorMessage": "Syntax error in module '%s': %s" % (modname, e),
                      "errorType": "Runtime.UserCodeSyntaxError", "requestId": "",
                      "stackTrace": traceback.format_list(traceback.extract_tb(e.__traceback__))}
    except Exception as e:
        return None, _error_doc(e)
    fn = getattr(mod, fname, None)
    if fn is None:
        return None, {"errorMessage": "Handler '%s' missing on module '%s'" % (fname, modname),
                      "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}
    return fn, None


def main():
    _setup_logging()
    fn, err = _load_handler()
    if err is not None:
        _log_error(err)
        _request("POST", "/init/error", json.dumps(err).encode(),
                 {"Lambda-Runtime-Function-Error-Type": err["errorType"], "Content-Type": "application/json"})
        sys.exit(1)
    while True:
        status, headers, body = _request("GET", "/invocation/next")
        if status != 200:
            os._exit(0)  # the environment was stopped
        h = {k.lower(): v for k, v in headers}
        rid = h.get("lambda-runtime-aws-request-id", "")
        os.environ["_X_AMZN_TRACE_ID"] = h.get("lambda-runtime-trace-id", "")
        _RequestIdFilter.request_id = rid
        ctx = LambdaContext(rid, int(h.get("lambda-runtime-deadline-ms", "0")),
                            h.get("lambda-runtime-invoked-function-arn"),
                            h.get("lambda-runtime-client-context"), h.get("lambda-runtime-cognito-identity"))
        try:
            event = json.loads(body) if body else {}
            result = fn(event, ctx)
            try:
                out = json.dumps(result, cls=_Encoder).encode()
            except (TypeError, ValueError) as e:
                doc = {"errorMessage": "Unable to marshal response: %s" % e, "errorType": "Runtime.MarshalError",
                       "requestId": rid, "stackTrace": []}
                _log_error(doc)
                _request("POST", "/invocation/%s/error" % rid, json.dumps(doc).encode(),
                         {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})
                continue
            sys.stdout.flush()
            _request("POST", "/invocation/%s/response" % rid, out, {"Content-Type": "application/json"})
        except Exception as e:
            doc = _error_doc(e)
            doc["requestId"] = rid
            _log_error(doc)
            _request("POST", "/invocation/%s/error" % rid, json.dumps(doc).encode(),
                     {"Lambda-Runtime-Function-Error-Type": "Unhandled", "Content-Type": "application/json"})


if __name__ == "__main__":
    main()
