# Stratus' Lambda runtime client for Python, modelled on AWS's (awslambdaric): imports the
# handler named by _HANDLER ("module.function", folders separated by "/") from LAMBDA_TASK_ROOT
# and serves invocations through the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API.
#
# boto3 is part of the runtime as on AWS: when the function and its layers bring none, it comes
# from the host (Debian's python3-boto3), after everything the function has.
# Logs: the root logger gets AWS's handler (text: "[LEVEL]\ttime\trequestId\tmessage"; JSON records
# with AWS_LAMBDA_LOG_FORMAT=JSON, levels from AWS_LAMBDA_LOG_LEVEL). Records and errors are
# frames on _LAMBDA_TELEMETRY_LOG_FD (one log event each, whatever their lines); print() output
# goes to stdout, a log event per line.
import http.client
import importlib
import importlib.util
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
_HOST_SDK = "/usr/lib/python3/dist-packages"


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


# ---- log sinks ----
_LEVEL_MASK = {logging.NOTSET: 0, logging.DEBUG: 0b01000, logging.INFO: 0b01100, logging.WARNING: 0b10000,
               logging.ERROR: 0b10100, logging.CRITICAL: 0b11000}
_JSON = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
_LEVELS = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
           "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}
_LOG_LEVEL = _LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper())


class _Sink(object):
    def __init__(self):
        fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
        self.file = None
        if fd:
            try:
                self.file = os.fdopen(int(fd), "wb", 0)
            except (OSError, ValueError):
                self.file = None

    def log(self, msg, level=logging.NOTSET):
        if self.file is not None:
            data = msg.encode("utf-8", "replace")
            kind = (0xA55A0002 if _JSON else 0xA55A0003) | _LEVEL_MASK.get(level, 0)
            frame = (kind.to_bytes(4, "big") + len(data).to_bytes(4, "big") +
                     (time.time_ns() // 1000).to_bytes(8, "big") + data)
            try:
                self.file.write(frame)
                return
            except OSError:
                self.file = None
        sys.stdout.write(msg.rstrip("\n").replace("\n", "\r") + "\n")
        sys.stdout.flush()


_sink = _Sink()


def _format_level(levelname):
    return {"WARNING": "WARN", "CRITICAL": "FATAL"}.get(levelname, levelname)


def _log_error(doc):
    if _JSON:
        rec = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "log_level": "ERROR"}
        rec.update(doc)
        _sink.log(json.dumps(rec, default=str), logging.ERROR)
        return
    desc = "[ERROR]"
    if doc.get("errorType"):
        desc += " " + doc["errorType"]
    if doc.get("errorMessage"):
        if doc.get("errorType"):
            desc += ":"
        desc += " " + doc["errorMessage"]
    lines = [desc]
    if doc.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for el in doc["stackTrace"]:
            lines.extend(el.splitlines() if el else [""])
    _sink.log("\n".join(lines), logging.ERROR)


_RESERVED = {"name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
             "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
             "threadName", "processName", "process", "aws_request_id", "_frame_type", "taskName"}


class _JsonFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record):
        out = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": _format_level(record.levelname),
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", None) or None,
            "location": "%s:%s:%d" % (record.pathname, record.funcName, record.lineno),
        }
        if record.exc_info:
            etype, value, tb = record.exc_info
            out["errorType"] = etype.__name__ if etype else None
            out["errorMessage"] = str(value)
            out["stackTrace"] = traceback.format_tb(tb)
        for k, v in record.__dict__.items():
            if k not in _RESERVED and k not in out:
                out[k] = v
        return json.dumps({k: v for k, v in out.items() if v is not None}, default=str, ensure_ascii=False)


class _Handler(logging.Handler):
    def emit(self, record):
        try:
            _sink.log(self.format(record), record.levelno)
        except Exception:
            self.handleError(record)


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = _Handler()
    if _JSON:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    if _LOG_LEVEL is not None:
        root.setLevel(_LOG_LEVEL)


# ---- errors ----
def _make_error(message, error_type, stack, request_id=""):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def _fault(exc, request_id=""):
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if not f.filename.endswith("/bootstrap.py")]
    return _make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


# ---- the context object ----
class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]


def _obj(cls, d):
    if d is None:
        return None
    o = cls()
    for k in cls.__slots__:
        setattr(o, k, d.get(k) if isinstance(d, dict) else None)
    return o


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
        self.identity = _obj(CognitoIdentity, json.loads(cognito) if cognito else None)
        self.client_context = _obj(ClientContext, json.loads(client_context) if client_context else None)
        if self.client_context is not None:
            self.client_context.client = _obj(Client, self.client_context.client)
        self.tenant_id = None

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def log(self, msg):
        _sink.log(str(msg))


# ---- an older botocore (Debian 12's 1.29) does not read AWS_ENDPOINT_URL itself ----
def _patch_botocore_session(module):
    try:
        from botocore import configprovider
        if "ignore_configured_endpoint_urls" in configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES:
            return  # botocore >= 1.31: it honours the variables
    except Exception:
        return
    orig = module.Session.create_client

    def create_client(self, *args, **kwargs):
        service = args[0] if args else kwargs.get("service_name", "")
        if len(args) > 5:
            explicit = args[5]
        else:
            explicit = kwargs.get("endpoint_url")
        if explicit is None:
            url = (os.environ.get("AWS_ENDPOINT_URL_" + service.upper().replace("-", "_").replace(" ", "_")) or
                   os.environ.get("AWS_ENDPOINT_URL"))
            if url:
                if len(args) > 5:
                    args = args[:5] + (url,) + args[6:]
                else:
                    kwargs["endpoint_url"] = url
        return orig(self, *args, **kwargs)
    module.Session.create_client = create_client


class _BotocoreHook(object):
    """Patches botocore.session when the function first imports it (no cost otherwise)."""

    def find_spec(self, name, path=None, target=None):
        if name != "botocore.session":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch_botocore_session(module)
        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _BotocoreHook())


# ---- loading the handler ----
def _load_handler():
    """Returns (function, None), or (None, error document) to report at each invoke."""
    spec = os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    if importlib.util.find_spec("boto3") is None and os.path.isdir(_HOST_SDK):
        sys.path.append(_HOST_SDK)  # the runtime's SDK: below the function's and its layers'
    try:
        modname, fname = spec.rsplit(".", 1)
    except ValueError as e:
        return None, _make_error("Bad handler '%s': %s" % (spec, e), "Runtime.MalformedHandlerName", [])
    modname = modname.replace("/", ".")
    if modname.split(".")[0] in sys.builtin_module_names:
        return None, _make_error("Cannot use built-in module %s as a handler module" % modname,
                                 "Runtime.BuiltInModuleConflict", [])
    try:
        mod = importlib.import_module(modname)
    except ImportError as e:
        return None, _make_error("Unable to import module '%s': %s" % (modname, e), "Runtime.ImportModuleError", [])
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s\n' % (e.filename, e.lineno, (e.text or "").strip())]
        return None, _make_error("Syntax error in module '%s': %s" % (modname, e), "Runtime.UserCodeSyntaxError",
                                 trace)
    except Exception as e:
        return None, _fault(e)
    fn = getattr(mod, fname, None)
    if fn is None:
        return None, _make_error("Handler '%s' missing on module '%s'" % (fname, modname),
                                 "Runtime.HandlerNotFound", [])
    return fn, None


def _post_error(rid, doc):
    _request("POST", "/invocation/%s/error" % rid, json.dumps(doc).encode(),
             {"Lambda-Runtime-Function-Error-Type": doc["errorType"], "Content-Type": "application/json"})


def main():
    _setup_logging()
    fn, load_error = _load_handler()
    if load_error is not None:
        _log_error(load_error)
    ensure_ascii = not os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_python3.1") or \
        os.environ.get("AWS_EXECUTION_ENV", "") in ("AWS_Lambda_python3.10", "AWS_Lambda_python3.11")
    while True:
        status, headers, body = _request("GET", "/invocation/next")
        if status != 200:
            os._exit(0)  # the environment was stopped
        h = {k.lower(): v for k, v in headers}
        rid = h.get("lambda-runtime-aws-request-id", "")
        if h.get("lambda-runtime-trace-id"):
            os.environ["_X_AMZN_TRACE_ID"] = h["lambda-runtime-trace-id"]
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        _RequestIdFilter.request_id = rid
        if load_error is not None:
            doc = dict(load_error, requestId=rid)
            _post_error(rid, doc)
            continue
        try:
            ctx = LambdaContext(rid, int(h.get("lambda-runtime-deadline-ms", "0")),
                                h.get("lambda-runtime-invoked-function-arn"),
                                h.get("lambda-runtime-client-context"), h.get("lambda-runtime-cognito-identity"))
            try:
                event = json.loads(body)
            except ValueError as e:
                doc = _make_error("Unable to unmarshal input: %s" % e, "Runtime.UnmarshalError", [], rid)
                _log_error(doc)
                _post_error(rid, doc)
                continue
            result = fn(event, ctx)
            try:
                out = json.dumps(result, cls=_Encoder, ensure_ascii=ensure_ascii).encode()
            except (TypeError, ValueError) as e:
                doc = _make_error("Unable to marshal response: %s" % e, "Runtime.MarshalError", [], rid)
                _log_error(doc)
                _post_error(rid, doc)
                continue
            sys.stdout.flush()
            _request("POST", "/invocation/%s/response" % rid, out, {"Content-Type": "application/json"})
        except Exception as e:
            doc = _fault(e, rid)
            _log_error(doc)
            sys.stdout.flush()
            _post_error(rid, doc)


if __name__ == "__main__":
    main()
