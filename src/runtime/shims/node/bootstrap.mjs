// Stratus' Lambda runtime client for Node.js: loads the handler named by _HANDLER ("file.export",
// folders separated by "/") from LAMBDA_TASK_ROOT — CommonJS (.js/.cjs) or ES modules (.mjs, or
// .js under "type": "module") — and serves invocations through the Lambda Runtime API. Handlers may
// be async (return a promise) or take a callback as their third argument.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
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

function errorDoc(err, type) {
  if (!(err instanceof Error)) {
    return { errorType: type || "string", errorMessage: typeof err === "string" ? err : JSON.stringify(err), trace: [] };
  }
  return {
    errorType: type || err.name || "Error",
    errorMessage: err.message,
    trace: (err.stack || "").split("\n"),
  };
}

function logError(requestId, doc) {
  process.stdout.write(`${new Date().toISOString()}\t${requestId || "undefined"}\tERROR\t${JSON.stringify(doc)}\n`);
}

for (const level of ["log", "info", "warn", "error", "debug", "trace"]) {
  const tag = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" }[level];
  const orig = console[level].bind(console);
  console[level] = (...args) => {
    const line = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId || "undefined"}\t${tag}\t${line}\n`);
  };
  void orig;
}
let currentRequestId = "";

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = spec.lastIndexOf(".");
  if (dot < 0) {
    throw Object.assign(new Error(`Bad handler ${spec}`), { name: "Runtime.MalformedHandlerName" });
  }
  const modPath = spec.slice(0, dot);
  const fnPath = spec.slice(dot + 1).split(".");
  const baseFile = path.resolve(root, modPath);
  let mod;
  let found = false;
  for (const ext of [".js", ".mjs", ".cjs"]) {
    const file = baseFile + ext;
    if (!fs.existsSync(file)) continue;
    found = true;
    let esm = ext === ".mjs";
    if (ext === ".js") {
      // "type": "module" in the nearest package.json makes .js an ES module.
      let dir = path.dirname(file);
      for (;;) {
        const pj = path.join(dir, "package.json");
        if (fs.existsSync(pj)) {
          try { esm = JSON.parse(fs.readFileSync(pj, "utf8")).type === "module"; } catch { /* not JSON */ }
          break;
        }
        if (dir === root || path.dirname(dir) === dir) break;
        dir = path.dirname(dir);
      }
    }
    mod = esm ? await import(pathToFileURL(file).href) : createRequire(file)(file);
    break;
  }
  if (!found) {
    try {
      mod = createRequire(path.join(root, "index.js"))(modPath);
    } catch (e) {
      throw Object.assign(new Error(`Cannot find module '${modPath}'`), { name: "Runtime.ImportModuleError" });
    }
  }
  let fn = mod;
  for (const part of fnPath) fn = fn == null ? undefined : fn[part];
  if (fn === undefined && mod && mod.default) {
    fn = mod.default;
    for (const part of fnPath) fn = fn == null ? undefined : fn[part];
  }
  if (typeof fn !== "function") {
    throw Object.assign(new Error(`${modPath}.${fnPath.join(".")} is undefined or not exported`),
      { name: "Runtime.HandlerNotFound" });
  }
  return fn;
}

function invokeHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err); else resolve(value);
    };
    const callback = (err, value) => finish(err, value);
    context.done = callback;
    context.succeed = (v) => finish(null, v);
    context.fail = (e) => finish(e ?? new Error("failed"));
    try {
      const r = fn.length >= 3 ? fn(event, context, callback) : fn(event, context);
      if (r && typeof r.then === "function") r.then((v) => finish(null, v), (e) => finish(e ?? new Error("rejected")));
      else if (fn.length < 3) finish(null, r);
    } catch (e) {
      finish(e);
    }
  });
}

async function main() {
  let fn;
  try {
    fn = await loadHandler();
  } catch (e) {
    const doc = errorDoc(e, e.name && e.name.startsWith("Runtime.") ? e.name : "Runtime.UserCodeSyntaxError");
    if (!(e.name && e.name.startsWith("Runtime."))) doc.errorType = e.name || "Error";
    logError("", doc);
    await request("POST", "/init/error", JSON.stringify(doc), { "Lambda-Runtime-Function-Error-Type": doc.errorType });
    process.exit(1);
  }
  for (;;) {
    const next = await request("GET", "/invocation/next");
    if (next.status !== 200) process.exit(0);
    const h = next.headers;
    const requestId = h["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    process.env._X_AMZN_TRACE_ID = h["lambda-runtime-trace-id"] || "";
    const deadline = Number(h["lambda-runtime-deadline-ms"] || 0);
    const context = {
      awsRequestId: requestId,
      invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      clientContext: h["lambda-runtime-client-context"] ? JSON.parse(h["lambda-runtime-client-context"]) : undefined,
      identity: h["lambda-runtime-cognito-identity"] ? JSON.parse(h["lambda-runtime-cognito-identity"]) : undefined,
    };
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString("utf8")) : {};
    } catch {
      event = next.body.toString("utf8");
    }
    try {
      const result = await invokeHandler(fn, event, context);
      const body = result === undefined ? "null" : JSON.stringify(result);
      await request("POST", `/invocation/${requestId}/response`, body, { "Content-Type": "application/json" });
    } catch (e) {
      const doc = errorDoc(e);
      logError(requestId, doc);
      await request("POST", `/invocation/${requestId}/error`, JSON.stringify(doc),
        { "Lambda-Runtime-Function-Error-Type": "Unhandled", "Content-Type": "application/json" });
    }
  }
}

main();
