// Stratus' Lambda runtime client for Node.js, modelled on AWS's (aws-lambda-nodejs-runtime-
// interface-client): loads the handler named by _HANDLER ("file.export", folders separated by
// "/") from LAMBDA_TASK_ROOT — CommonJS (.js/.cjs) or ES modules (.mjs, or .js under
// "type": "module") — and serves invocations through the Lambda Runtime API. Handlers may be
// async (return a promise), take a callback as their third argument, or use the legacy
// context.succeed / fail / done.
//
// Packages: CommonJS resolves through NODE_PATH (layers' /opt/nodejs/nodeXX/node_modules and
// /opt/nodejs/node_modules, then the AWS SDK installed with Stratus); ES modules ignore
// NODE_PATH, so a resolve hook retries bare specifiers in the same folders, as AWS's runtimes do
// from nodejs18.x on.
//
// Logs: console.* is patched as AWS does (util.format, `time\trequestId\tLEVEL\tmessage`, or JSON
// records with AWS_LAMBDA_LOG_FORMAT=JSON, filtered by AWS_LAMBDA_LOG_LEVEL). Each record is one
// frame on _LAMBDA_TELEMETRY_LOG_FD (so a multi-line message is one log event); without that fd
// it goes to stdout with its line breaks as "\r".
//
// Response streaming: the global awslambda.streamifyResponse(handler) marks a handler
// `async (event, responseStream, context)`; its responseStream is a Writable whose bytes go to
// the Runtime API as one chunked POST in streaming mode (Lambda-Runtime-Function-Response-Mode:
// streaming), an error after that as the trailers Lambda-Runtime-Function-Error-Type / -Body.
// awslambda.HttpResponseStream.from(stream, {statusCode, headers, cookies}) puts the JSON
// prelude and 8 NUL bytes before the body, for function URLs.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import { Writable } from "node:stream";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const slash = api.indexOf("/");
const hostport = slash < 0 ? api : api.slice(0, slash);
const prefix = slash < 0 ? "" : api.slice(slash);
const [host, port] = [hostport.slice(0, hostport.lastIndexOf(":")), Number(hostport.slice(hostport.lastIndexOf(":") + 1))];
const base = prefix + "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, p, body, headers = {}) {
  return new Promise((resolve) => {
    const req = http.request({ host, port, path: base + p, method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", () => process.exit(1)); // the runtime API is gone: stratus stopped
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// ---- response streaming (the global awslambda, as AWS's runtime client defines it) ----
const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HIGHWATERMARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response";

class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_INTEGRATION);
    const metadata = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[STREAMING] = "response";
    if (typeof options?.highWaterMark === "number") handler[HIGHWATERMARK] = parseInt(options.highWaterMark);
    return handler;
  },
  HttpResponseStream,
};

// The response of one streamed invocation: the POST starts with the first byte (or at the end),
// so the content type can be set until then. fail(err) ends it with the error trailers.
class ResponseStream extends Writable {
  constructor(requestId, highWaterMark) {
    super(highWaterMark ? { highWaterMark } : {});
    this._requestId = requestId;
    this._contentType = DEFAULT_CONTENT_TYPE;
    this._req = null;
    this._onBeforeFirstWrite = null;
    this._failed = false;
    this.responseDone = new Promise((resolve) => { this._resolveDone = resolve; });
  }
  setContentType(contentType) {
    if (this._req) throw new Error("Cannot set content-type, too late.");
    this._contentType = contentType;
  }
  _open() {
    if (this._req) return this._req;
    const req = http.request({ host, port, path: `${base}/invocation/${this._requestId}/response`, method: "POST", agent,
      headers: {
        "Content-Type": this._contentType,
        "Lambda-Runtime-Function-Response-Mode": "streaming",
        "Transfer-Encoding": "chunked",
        Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
      } }, (res) => {
      res.resume();
      res.on("end", () => this._resolveDone(res.statusCode));
    });
    req.on("error", () => process.exit(1)); // the runtime API is gone: stratus stopped
    this._req = req;
    if (this._onBeforeFirstWrite) {
      const before = this._onBeforeFirstWrite;
      this._onBeforeFirstWrite = null;
      before((chunk) => req.write(chunk));
    }
    return req;
  }
  _write(chunk, encoding, cb) {
    this._open().write(chunk, () => cb());
  }
  _final(cb) {
    if (!this._failed) this._open().end();
    cb();
  }
  _destroy(err, cb) {
    if (err && !this._failed) this.fail(err);
    else if (!this._failed && !this._req?.writableEnded) this._open().end();
    cb(err);
  }
  // Ends the response with the error as trailers (whatever was written stays the body).
  fail(err) {
    if (this._failed) return;
    this._failed = true;
    const doc = errorDoc(err);
    const req = this._open();
    if (req.writableEnded) return;
    req.addTrailers({
      "Lambda-Runtime-Function-Error-Type": doc.errorType || "Unhandled",
      "Lambda-Runtime-Function-Error-Body": Buffer.from(JSON.stringify(doc)).toString("base64"),
    });
    req.end();
  }
}

// ---- ES module resolution from layers and the runtime's SDK (NODE_PATH's folders) ----
const fallbackDirs = (process.env.NODE_PATH || "").split(":").filter((d) => d.endsWith("/node_modules"));
if (fallbackDirs.length && typeof register === "function") {
  const hook = `
    const dirs = ${JSON.stringify(fallbackDirs.map((d) => pathToFileURL(path.join(path.dirname(d), "stratus-resolve.mjs")).href))};
    export async function resolve(specifier, context, next) {
      try {
        return await next(specifier, context);
      } catch (e) {
        const bare = !/^(\\.|\\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
        if (!bare || e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
        for (const parentURL of dirs) {
          try { return await next(specifier, { ...context, parentURL }); } catch { /* next folder */ }
        }
        throw e;
      }
    }`;
  register("data:text/javascript," + encodeURIComponent(hook));
}

// ---- logging ----
const levels = {
  TRACE: { name: "TRACE", priority: 1, mask: 0b00100 },
  DEBUG: { name: "DEBUG", priority: 2, mask: 0b01000 },
  INFO: { name: "INFO", priority: 3, mask: 0b01100 },
  WARN: { name: "WARN", priority: 4, mask: 0b10000 },
  ERROR: { name: "ERROR", priority: 5, mask: 0b10100 },
  FATAL: { name: "FATAL", priority: 6, mask: 0b11000 },
};
const jsonFormat = (process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() === "JSON";
const minLevel = levels[(process.env.AWS_LAMBDA_LOG_LEVEL || "").toUpperCase()] || levels.TRACE;
const telemetryFd = process.env._LAMBDA_TELEMETRY_LOG_FD ? Number(process.env._LAMBDA_TELEMETRY_LOG_FD) : -1;
delete process.env._LAMBDA_TELEMETRY_LOG_FD;
let currentRequestId;

function errorFields(err) {
  return {
    errorType: err?.constructor?.name ?? "UnknownError",
    errorMessage: err.message,
    stackTrace: typeof err.stack === "string" ? err.stack.split("\n") : [],
  };
}
function jsonReplacer(_, value) {
  if (value instanceof Error) return Object.assign(errorFields(value), value);
  return value;
}

function formatText(level, args) {
  return `${new Date().toISOString()}\t${currentRequestId}\t${level.name}\t${util.format(...args)}`;
}
function formatJson(level, args) {
  const rec = { timestamp: new Date().toISOString(), level: level.name, requestId: currentRequestId };
  if (args.length === 1) {
    rec.message = args[0];
    try {
      return JSON.stringify(rec, jsonReplacer);
    } catch {
      rec.message = util.format(rec.message);
      return JSON.stringify(rec);
    }
  }
  rec.message = util.format(...args);
  for (const a of args) {
    if (a instanceof Error) {
      Object.assign(rec, errorFields(a));
      break;
    }
  }
  return JSON.stringify(rec);
}

function emit(level, line) {
  if (telemetryFd >= 0) {
    const msg = Buffer.from(line, "utf8");
    const head = Buffer.alloc(16);
    head.writeUInt32BE(((jsonFormat ? 0xa55a0002 : 0xa55a0003) | level.mask) >>> 0, 0);
    head.writeUInt32BE(msg.length, 4);
    head.writeBigInt64BE(BigInt(Date.now()) * 1000n, 8);
    try {
      fs.writeSync(telemetryFd, Buffer.concat([head, msg]));
      return;
    } catch { /* fall back to stdout */ }
  }
  process.stdout.write(line.replace(/\n/g, "\r") + "\n");
}

function log(level, args) {
  if (level.priority < minLevel.priority) return;
  emit(level, jsonFormat ? formatJson(level, args) : formatText(level, args));
}

console.trace = (...a) => log(levels.TRACE, a);
console.debug = (...a) => log(levels.DEBUG, a);
console.info = (...a) => log(levels.INFO, a);
console.log = (...a) => log(levels.INFO, a);
console.warn = (...a) => log(levels.WARN, a);
console.error = (...a) => log(levels.ERROR, a);
console.fatal = (...a) => log(levels.FATAL, a);

// ---- errors, as AWS's runtime client shapes them ----
function runtimeError(name, message, cause) {
  const e = new Error(message);
  e.name = name;
  if (cause && typeof cause.stack === "string") e.stack = `${name}: ${message}\n` + cause.stack.split("\n").slice(1).join("\n");
  return e;
}

function errorDoc(err) {
  try {
    if (util.types.isNativeError(err) || err instanceof Error) {
      return {
        errorType: err.name,
        errorMessage: err.message,
        trace: typeof err.stack === "string" ? err.stack.split("\n") : [],
      };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
  }
}

function formatted(err) {
  try {
    return "\t" + JSON.stringify(err, (k, v) => {
      if (v instanceof Error) {
        const o = { errorType: v.name, errorMessage: v.message, code: v.code, ...v };
        if (typeof v.stack === "string") o.stack = v.stack.split("\n");
        return o;
      }
      return v;
    });
  } catch {
    return "\t" + String(err);
  }
}

// ---- loading the handler ----
function hasTypeModule(file, root) {
  let dir = path.dirname(file);
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try { return JSON.parse(fs.readFileSync(pj, "utf8")).type === "module"; } catch { return false; }
    }
    if (dir === root || path.dirname(dir) === dir) return false;
    dir = path.dirname(dir);
  }
}

async function loadModule(root, modPath) {
  const baseFile = path.resolve(root, modPath);
  const req = createRequire(path.join(root, "index.js"));
  if (fs.existsSync(baseFile) && fs.statSync(baseFile).isFile()) return req(baseFile);
  const esm = hasTypeModule(baseFile + ".js", root);
  if (!esm && fs.existsSync(baseFile + ".js")) return req(baseFile + ".js");
  if (esm && fs.existsSync(baseFile + ".js")) return import(pathToFileURL(baseFile + ".js").href);
  if (fs.existsSync(baseFile + ".mjs")) return import(pathToFileURL(baseFile + ".mjs").href);
  if (fs.existsSync(baseFile + ".cjs")) return req(baseFile + ".cjs");
  return req(req.resolve(modPath, { paths: [root] }));
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  if (spec.includes("..")) {
    throw runtimeError("Runtime.MalformedHandlerName", "'" + spec + "' is not a valid handler name. Use absolute paths when specifying root directories in handler names.");
  }
  const slashAt = spec.lastIndexOf("/");
  const dot = spec.indexOf(".", slashAt + 1);
  if (dot < 0) throw runtimeError("Runtime.MalformedHandlerName", "Bad handler " + spec);
  const modPath = spec.slice(0, dot);
  const fnPath = spec.slice(dot + 1).split(".");
  let mod;
  try {
    mod = await loadModule(root, modPath);
  } catch (e) {
    if (e instanceof SyntaxError) throw runtimeError("Runtime.UserCodeSyntaxError", String(e), e);
    if (e && e.code === "MODULE_NOT_FOUND") throw runtimeError("Runtime.ImportModuleError", String(e), e);
    throw e;
  }
  let fn = mod;
  for (const part of fnPath) fn = fn == null ? undefined : fn[part];
  if (fn === undefined) throw runtimeError("Runtime.HandlerNotFound", `${spec} is undefined or not exported`);
  if (typeof fn !== "function") throw runtimeError("Runtime.HandlerNotFound", `${spec} is not a function`);
  return fn;
}

// ---- invoking ----
let pending = null; // { finish } of the invocation in progress, for unhandled rejections

function invokeHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    let poll;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      if (poll) clearInterval(poll);
      if (err !== null && err !== undefined) reject(err); else resolve(value);
    };
    pending = { finish };
    const callback = (err, value) => finish(err, value);
    context.done = (err, value) => {
      context.callbackWaitsForEmptyEventLoop = false;
      finish(err, value);
    };
    context.succeed = (v) => context.done(null, v);
    context.fail = (e) => context.done(e === undefined || e === null ? "handled" : e, null);
    const counts = () => {
      const c = {};
      for (const x of process.getActiveResourcesInfo()) c[x] = (c[x] || 0) + 1;
      return c;
    };
    const baseline = counts();
    try {
      const r = fn(event, context, callback);
      if (r && typeof r.then === "function") {
        r.then((v) => finish(null, v), (e) => finish(e ?? new Error("rejected")));
      } else if (r !== undefined && fn.length < 3) {
        finish(null, r);
      } else if (!settled) {
        // Neither a promise nor a value: the answer is the callback's (or null once the
        // function's work is done and the event loop is empty, as on AWS).
        poll = setInterval(() => {
          const now = counts();
          const busy = Object.keys(now).some((k) => k !== "PipeWrap" && k !== "TTYWrap" &&
            now[k] > (baseline[k] || 0) + (k === "Timeout" ? 1 : 0));
          if (!busy) finish(null, null);
        }, 5);
      }
    } catch (e) {
      finish(e);
    }
  });
}

// A streaming handler: its answer is what it writes; a throw or rejection, before or after the
// first byte, ends the response with the error trailers. Resolving without end() ends it.
async function invokeStreaming(fn, event, context, requestId) {
  const stream = new ResponseStream(requestId, fn[HIGHWATERMARK]);
  streaming = stream;
  stream.on("error", () => {}); // a destroy(err) is reported through the trailers
  try {
    await new Promise((resolve, reject) => {
      pending = { finish: (err) => (err ? reject(err) : resolve()) };
      Promise.resolve().then(() => fn(event, stream, context)).then(resolve, reject);
    });
    if (stream.errored) throw stream.errored;
    if (!stream.writableEnded && !stream.destroyed) stream.end();
  } catch (e) {
    console.error("Invoke Error", formatted(e));
    stream.fail(e);
  }
  await stream.responseDone;
  streaming = null;
}

async function postError(requestId, err) {
  const doc = errorDoc(err);
  await request("POST", `/invocation/${requestId}/error`, JSON.stringify(doc),
    { "Lambda-Runtime-Function-Error-Type": doc.errorType || "Unhandled", "Content-Type": "application/json" });
}

let invokeId = null;
let streaming = null; // the ResponseStream of a streamed invocation in progress
let initDone = false;
async function fatal(kind, err, code) {
  console.error(kind, formatted(err));
  if (!initDone) {
    const doc = errorDoc(err);
    await request("POST", "/init/error", JSON.stringify(doc), { "Lambda-Runtime-Function-Error-Type": doc.errorType });
  } else if (streaming) {
    streaming.fail(err);
    await streaming.responseDone;
  } else if (invokeId) {
    await postError(invokeId, err);
  }
  process.exit(code);
}
process.on("uncaughtException", (err) => fatal("Uncaught Exception", err, 129));
process.on("unhandledRejection", (reason) => {
  const err = runtimeError("Runtime.UnhandledPromiseRejection", reason?.toString());
  err.reason = reason;
  fatal("Unhandled Promise Rejection", err, 128);
});

async function main() {
  let fn;
  try {
    fn = await loadHandler();
  } catch (e) {
    console.error(e.name && e.name.startsWith("Runtime.") ? e.name : "Init Error", formatted(e));
    const doc = errorDoc(e);
    await request("POST", "/init/error", JSON.stringify(doc), { "Lambda-Runtime-Function-Error-Type": doc.errorType });
    process.exit(1);
  }
  initDone = true;
  for (;;) {
    const next = await request("GET", "/invocation/next");
    if (next.status !== 200) process.exit(0);
    const h = next.headers;
    const requestId = h["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    invokeId = requestId;
    if (h["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = h["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    const deadline = Number(h["lambda-runtime-deadline-ms"] || 0);
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
      awsRequestId: requestId,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      if (h["lambda-runtime-client-context"]) context.clientContext = JSON.parse(h["lambda-runtime-client-context"]);
      if (h["lambda-runtime-cognito-identity"]) context.identity = JSON.parse(h["lambda-runtime-cognito-identity"]);
    } catch (e) {
      console.error("Invoke Error", formatted(e));
      await postError(requestId, e);
      continue;
    }
    let event;
    try {
      event = JSON.parse(next.body.toString("utf8"));
    } catch (e) {
      const err = runtimeError("Runtime.UnmarshalError", `Unable to parse event: ${e.message}`);
      await postError(requestId, err);
      continue;
    }
    if (fn[STREAMING] === "response") {
      await invokeStreaming(fn, event, context, requestId);
      pending = null;
      invokeId = null;
      continue;
    }
    try {
      const result = await invokeHandler(fn, event, context);
      let body;
      try {
        body = result === undefined ? "null" : JSON.stringify(result);
        if (body === undefined) body = "null";
      } catch (e) {
        const err = runtimeError("Runtime.MarshalError", `Unable to stringify response body: ${e.message}`);
        console.error("Invoke Error", formatted(err));
        await postError(requestId, err);
        continue;
      }
      await request("POST", `/invocation/${requestId}/response`, body, { "Content-Type": "application/json" });
    } catch (e) {
      console.error("Invoke Error", formatted(e));
      await postError(requestId, e);
    }
    pending = null;
    invokeId = null;
  }
}

main();
