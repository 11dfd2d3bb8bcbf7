#!/usr/bin/env python3
"""Side-by-side benchmarks: stratus vs moto_server (and nginx as the HTTP ceiling), in one run.

For each workload: the same wrk settings against each server, a request signed with SigV4 just
before the run (stratus runs with --auth strict, so it verifies every signature), req/s and
p50/p99 latency, and the ratio stratus/moto. Plus start-up time (exec to first answered request)
and idle RSS. Prints a Markdown table and writes it to bench/results.md.

Usage: bench/bench.py STRATUS_BIN [--duration 10] [--connections 32] [--threads 2]
Reproduce: make bench
One group only, nothing written: --only lambda|apigateway|sns|dynamodb (sns: server CPU per publish
to a topic with 10 SQS subscriptions, read with perf stat, and a check that every copy arrived;
dynamodb: the wrk -c16 rows of the DynamoDB issue's bar)
Side by side with moto, one service: --only s3|ssm|secretsmanager|kms|cognito [--merge] (--merge puts
the group's rows into results.md and README's table; s3: --s3-keys N, --s3-stratus-keys N, --no-multipart)
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from readme import update_readme

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_stratus(binp, prefix, auth="strict"):
    """A stratus on a free port with a new data directory: (Server, endpoint, tmp dir to remove)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    port = free_port()
    srv = Server([binp, "serve", "--port", str(port), "--data-dir", tmp + "/d", "--auth", auth,
                  "--log-level", "off"], port, "/_stratus/health")
    return srv, f"http://127.0.0.1:{port}", tmp


def wait_http(url, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.args}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.002)
    raise RuntimeError(f"{url} not answering")


def startup_ms(cmd, port, path="/", runs=5):
    """Median time from exec to the first answered HTTP request."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(16).startswith(b"HTTP/1."):
                        break
            except OSError:
                if p.poll() is not None:
                    raise RuntimeError(f"exited: {cmd}")
                time.sleep(0.0005)
        times.append((time.perf_counter() - t0) * 1000)
        p.send_signal(signal.SIGTERM)
        p.wait(10)
    times.sort()
    return times[len(times) // 2]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
    return int(m.group(1)) / 1024.0


def signed_request(endpoint, service, body, headers, path="/"):
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + path, data=body, headers=headers)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), service, "us-east-1").add_auth(req)
    return dict(req.headers.items())


def wrk(url, method, body, headers, args, lua_extra=""):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    esc = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')
    lua.write(f'wrk.method = "{method}"\n')
    lua.write(f'wrk.body = "{esc(body.decode())}"\n')
    for k, v in headers.items():
        if k.lower() in ("content-length", "host"):
            continue
        lua.write(f'wrk.headers["{esc(k)}"] = "{esc(v)}"\n')
    lua.write(lua_extra)
    lua.close()
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
           "--latency", "-s", lua.name, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60).stdout
    os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct(50), "p99": pct(99), "errors": int(non2xx.group(1)) if non2xx else 0,
            "requests": int(re.search(r"(\d+) requests in", out).group(1))}


def zip_bytes(files):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def build_cpp_function(tmp, name, source):
    """Compiles a provided-runtime function with sdk/cpp into a zip holding `bootstrap`."""
    sdk = os.path.join(HERE, "..", "sdk", "cpp")
    src, exe = os.path.join(tmp, name + ".cc"), os.path.join(tmp, name)
    with open(src, "w") as f:
        f.write(source)
    subprocess.run(["g++", "-std=c++17", "-O2", "-I", sdk, src, "-o", exe], check=True)
    with open(exe, "rb") as f:
        return exe, zip_bytes({"bootstrap": f.read()})


SLEEP_CC = """#include <chrono>
#include <thread>
#include "stratus_lambda_runtime.hpp"
int main() {
  return stratus_lambda::run([](const std::string& event, const stratus_lambda::Context&) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    return event;
  });
}
"""


def raw_post(endpoint, path, body, service, conn=None):
    """One signed POST over http.client (no SDK overhead): (status, body, seconds)."""
    import http.client
    h = signed_request(endpoint, service, body, {"Content-Type": "application/json"}, path)
    u = urllib.parse.urlparse(endpoint)
    c = conn or http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    t0 = time.perf_counter()
    c.request("POST", path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    dt = time.perf_counter() - t0
    if conn is None:
        c.close()
    return r.status, data, dt


def bare_start_ms(exe, runs=7):
    """Median time from exec of a bootstrap to its first Runtime API request (GET .../next), against
    a bare loopback listener: the process start cost the runtime itself has."""
    times = []
    for _ in range(runs):
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        env = {**os.environ, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}", "_HANDLER": "x"}
        t0 = time.perf_counter()
        p = subprocess.Popen([exe], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        conn, _ = srv.accept()
        conn.recv(1024)
        times.append((time.perf_counter() - t0) * 1000)
        p.kill()
        p.wait()
        conn.close()
        srv.close()
    times.sort()
    return times[len(times) // 2]


def cold_start_ms(endpoint, lam, zip_data, role, runs=7):
    """Median time of the first invoke after CreateFunction (1 KB payload), each on a new function."""
    body = ('{"data": "' + "x" * 1000 + '"}').encode()
    times = []
    for i in range(runs):
        fn = f"cold-{i}"
        lam.create_function(FunctionName=fn, Runtime="provided.al2023", Role=role, Handler="x",
                            Code={"ZipFile": zip_data})
        status, _, dt = raw_post(endpoint, f"/2015-03-31/functions/{fn}/invocations", body, "lambda")
        assert status == 200, status
        times.append(dt * 1000)
        lam.delete_function(FunctionName=fn)
    times.sort()
    return times[len(times) // 2]


def concurrent_sleep_s(endpoint, lam, zip_data, role, n=100):
    """Wall time of n simultaneous invokes of a function that sleeps 1 s (all start cold). The
    requests are signed and their connections opened beforehand: the clock measures the server."""
    import http.client
    import threading
    lam.create_function(FunctionName="sleep-1s", Runtime="provided.al2023", Role=role, Handler="x",
                        Code={"ZipFile": zip_data}, Timeout=10)
    path = "/2015-03-31/functions/sleep-1s/invocations"
    h = signed_request(endpoint, "lambda", b"{}", {"Content-Type": "application/json"}, path)
    u = urllib.parse.urlparse(endpoint)
    conns = [http.client.HTTPConnection(u.hostname, u.port, timeout=60) for _ in range(n)]
    for c in conns:
        c.connect()
    barrier, statuses = threading.Barrier(n + 1), []

    def one(c):
        barrier.wait()
        c.request("POST", path, body=b"{}", headers=h)
        r = c.getresponse()
        r.read()
        statuses.append(r.status)
        c.close()

    threads = [threading.Thread(target=one, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, sum(1 for s in statuses if s != 200)


def lambda_workloads(endpoint, tmp, args):
    """Warm RequestResponse invokes (1 KB payload) of a provided-runtime echo function built with
    sdk/cpp and of a Python echo function, under load and with one client; cold start; 100
    concurrent 1 s invokes; an API Gateway Lambda proxy against a direct invoke of the same
    function. Stratus only: moto_server runs Lambda in Docker."""
    import boto3
    with open(os.path.join(HERE, "..", "sdk", "cpp", "examples", "echo.cc")) as f:
        echo_src = f.read()
    exe, cpp_zip = build_cpp_function(tmp, "echo", echo_src)
    _, sleep_zip = build_cpp_function(tmp, "sleep", SLEEP_CC)
    py_zip = zip_bytes({"app.py": "def handler(event, context):\n    return event\n"})
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    lam = boto3.client("lambda", **kw)
    role = "arn:aws:iam::000000000000:role/bench"
    lam.create_function(FunctionName="echo-cpp", Runtime="provided.al2023", Role=role, Handler="x",
                        Code={"ZipFile": cpp_zip})
    lam.create_function(FunctionName="echo-py", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": py_zip})
    body = ('{"data": "' + "x" * 1000 + '"}').encode()
    one = argparse.Namespace(**{**vars(args), "threads": 1, "connections": 1})
    out, notes = [], []
    for name, fn in (("lambda Invoke provided (C++ echo, 1 KB)", "echo-cpp"),
                     ("lambda Invoke python3.12 (echo, 1 KB)", "echo-py")):
        path = f"/2015-03-31/functions/{fn}/invocations"
        lam.invoke(FunctionName=fn, Payload=body)  # cold start outside the measurement
        h = signed_request(endpoint, "lambda", body, {"Content-Type": "application/json"}, path)
        out.append((name + ", 1 client", wrk(endpoint + path, "POST", body, h, one)))
        # Warm-up: one environment per connection, started before the measured run.
        wrk(endpoint + path, "POST", body, h, argparse.Namespace(**{**vars(args), "duration": 2}))
        out.append((name, wrk(endpoint + path, "POST", body, h, args)))

    # API Gateway Lambda proxy (AWS_PROXY) to the same echo function, one client, against the
    # direct warm Invoke measured just before it.
    apigw = boto3.client("apigateway", **kw)
    api = apigw.create_rest_api(name="bench-proxy")
    api_id, root = api["id"], api["rootResourceId"]
    res = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="echo")["id"]
    apigw.put_method(restApiId=api_id, resourceId=res, httpMethod="POST", authorizationType="NONE")
    # A proxy answer must carry statusCode: this function answers one with a 1 KB body.
    proxy_src = """#include "stratus_lambda_runtime.hpp"
int main() {
  return stratus_lambda::run([](const std::string& event, const stratus_lambda::Context&) {
    (void)event;
    return std::string("{\\"statusCode\\":200,\\"body\\":\\"") + std::string(1000, 'x') + "\\"}";
  });
}
"""
    _, proxy_zip = build_cpp_function(tmp, "proxyfn", proxy_src)
    fn_arn = lam.create_function(FunctionName="proxy-cpp", Runtime="provided.al2023", Role=role, Handler="x",
                                 Code={"ZipFile": proxy_zip})["FunctionArn"]
    apigw.put_integration(restApiId=api_id, resourceId=res, httpMethod="POST", type="AWS_PROXY",
                          integrationHttpMethod="POST",
                          uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn_arn}/invocations")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    path = "/2015-03-31/functions/proxy-cpp/invocations"
    lam.invoke(FunctionName="proxy-cpp", Payload=body)
    h = signed_request(endpoint, "lambda", body, {"Content-Type": "application/json"}, path)
    direct = wrk(endpoint + path, "POST", body, h, one)
    proxied = wrk(f"{endpoint}/restapis/{api_id}/prod/_user_request_/echo", "POST", body,
                  {"Content-Type": "application/json"}, one)
    out.append(("apigateway Lambda proxy (AWS_PROXY, C++ function, 1 KB), 1 client", proxied))
    notes.append(f"| apigateway Lambda proxy over direct Invoke of the same function, 1 client (p50) | "
                 f"{proxied['p50'] - direct['p50']:+.2f} ms | | | {direct['p50']:.2f} direct, "
                 f"{proxied['p50']:.2f} proxied | |")

    bare = bare_start_ms(exe)
    cold = cold_start_ms(endpoint, lam, cpp_zip, role)
    notes.append(f"| lambda cold start, provided (C++ echo): first invoke after CreateFunction | "
                 f"{cold:.1f} ms | | bootstrap alone starts in {bare:.1f} ms: +{cold - bare:.1f} ms | | |")
    wall, failed = concurrent_sleep_s(endpoint, lam, sleep_zip, role)
    notes.append(f"| lambda 100 concurrent invokes of a function sleeping 1 s (cold) | {wall:.2f} s wall | | "
                 f"{'all 200' if not failed else f'{failed} failed'} | | |")
    return out, notes


def apigateway_workloads(endpoint, args):
    """Invoke URLs of a REST API: a MOCK integration with a response template, and the orders
    pipeline's AWS integration to SQS SendMessage (path URI, form template). Stratus only:
    moto_server records REST APIs but does not serve their invoke URLs."""
    import boto3
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    apigw, sqs = boto3.client("apigateway", **kw), boto3.client("sqs", **kw)
    sqs.create_queue(QueueName="bench-orders")
    api = apigw.create_rest_api(name="bench")
    api_id, root = api["id"], api["rootResourceId"]
    ping = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="ping")["id"]
    apigw.put_method(restApiId=api_id, resourceId=ping, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=ping, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_method_response(restApiId=api_id, resourceId=ping, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=ping, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": '{"pong": true, "id": "$context.requestId"}'})
    orders = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="orders")["id"]
    apigw.put_method(restApiId=api_id, resourceId=orders, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=orders, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
                          uri="arn:aws:apigateway:us-east-1:sqs:path/000000000000/bench-orders",
                          credentials="arn:aws:iam::000000000000:role/APIGateway-SQS",
                          requestParameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
                          requestTemplates={"application/json": "Action=SendMessage&MessageBody=$input.body"})
    apigw.put_method_response(restApiId=api_id, resourceId=orders, httpMethod="POST", statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=orders, httpMethod="POST", statusCode="200",
                                   selectionPattern="")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    base = f"{endpoint}/restapis/{api_id}/prod/_user_request_"
    order = b'{"orderID":"o-1","qty":2}'
    return [("apigateway MOCK integration (GET, response template)", wrk(base + "/ping", "GET", b"", {}, args)),
            ("apigateway AWS integration → SQS SendMessage", wrk(base + "/orders", "POST", order,
                                                                 {"Content-Type": "application/json"}, args))]


def esm_drain_workload(endpoint, messages=10_000):
    """An SQS-triggered Python function drains a queue of 10,000 messages (event source mapping,
    BatchSize 10, default pollers): seconds from the mapping's creation to an empty queue.
    Stratus only: moto does not run functions without Docker."""
    import boto3
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
              aws_secret_access_key="test")
    lam, sqs = boto3.client("lambda", **kw), boto3.client("sqs", **kw)
    url = sqs.create_queue(QueueName="esm-drain")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_function(FunctionName="esm-drain", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/bench",
                        Handler="app.handler",
                        Code={"ZipFile": zip_bytes({"app.py": "def handler(event, context):\n    return {}\n"})})
    for i in range(0, messages, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": f'{{"n": {i + j}}}'}
                                                      for j in range(10)])
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    t0 = time.time()
    lam.create_event_source_mapping(FunctionName="esm-drain", EventSourceArn=arn, BatchSize=10)
    while True:
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if all(a[n] == "0" for n in names):
            return time.time() - t0
        if time.time() - t0 > 300:
            return float("inf")
        time.sleep(0.05)


class Server:
    def __init__(self, cmd, port, health="/"):
        self.cmd, self.port, self.health = cmd, port, health
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{port}{health}", self.proc)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def ddb_setup(endpoint):
    """The table the DynamoDB workloads use, with the item GetItem reads (idempotent)."""
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    try:
        ddb.create_table(TableName="bench", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
    except ddb.exceptions.ResourceInUseException:
        pass
    ddb.put_item(TableName="bench", Item={"pk": {"S": "user#42"}, "name": {"S": "Ada"}, "n": {"N": "7"}})


def ddb_query_setup(endpoint):
    """A table with a sort key and one partition of 100 small items (idempotent)."""
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    try:
        ddb.create_table(TableName="bench-query",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
    except ddb.exceptions.ResourceInUseException:
        pass
    for i in range(0, 100, 25):
        ddb.batch_write_item(RequestItems={"bench-query": [
            {"PutRequest": {"Item": {"pk": {"S": "customer#7"}, "sk": {"S": f"order#{j:04d}"},
                                     "total": {"N": str(j * 3)}, "state": {"S": "shipped"}}}}
            for j in range(i, i + 25)]})
    body = (b'{"TableName":"bench-query","KeyConditionExpression":"pk = :p",'
            b'"ExpressionAttributeValues":{":p":{"S":"customer#7"}}}')
    return body, {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.Query"}


def nginx_server(port, tmp, root=None):
    """nginx with a fixed "ok" reply on every path, or (root) serving the files under root."""
    conf = os.path.join(tmp, "nginx.conf")
    where = f"root {root};" if root else 'return 200 "ok";'
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2; daemon off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  server {{ listen 127.0.0.1:{port}; location / {{ {where} }} }} }}
""")
    return Server(["nginx", "-c", conf], port)


def sqs_send_workload(ep):
    """SendMessage (JSON protocol) to a queue created beforehand on the server under test."""
    import boto3
    c = boto3.client("sqs", endpoint_url=ep, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test")
    url = c.create_queue(QueueName="bench-send")["QueueUrl"]
    body = ('{"QueueUrl":"%s","MessageBody":"order 12345: 3 items, total 99.95"}' % url).encode()
    return body, {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"}


def sns_publish_workload(ep, fanout=10):
    """Publish (Query protocol) to a topic with `fanout` SQS subscriptions."""
    import boto3
    kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    sns, sqs = boto3.client("sns", **kw), boto3.client("sqs", **kw)
    arn = sns.create_topic(Name="bench-topic")["TopicArn"]
    for i in range(fanout):
        url = sqs.create_queue(QueueName=f"bench-fanout-{i}")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)
    body = urllib.parse.urlencode({"Action": "Publish", "Version": "2010-03-31", "TopicArn": arn,
                                   "Message": "order 12345 created"}).encode()
    return body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


# PutItem of a new item on every request: wrk threads number themselves, each counts its requests.
PUT_NEW_LUA = r"""
counter = 0
setup = function(thread) thread:set("tid", counter); counter = counter + 1 end
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"TableName":"bench","Item":{"pk":{"S":"new#' .. tid .. '-' .. n ..
    '"},"name":{"S":"Ada"},"n":{"N":"7"}}}')
end
"""


# A send -> receive -> delete cycle in batches of 10, driven by wrk's Lua hooks: each connection
# sends a batch, receives up to 10, deletes what it received. Deletes carry receipt handles from
# the previous answer, so these requests can't be pre-signed: both servers run without signature
# checks for this workload. Counts deleted messages.
CYCLE_LUA = r"""
local url = "%(url)s"
local send_body = '{"QueueUrl":"' .. url .. '","Entries":['
for i = 1, 10 do
  send_body = send_body .. (i > 1 and "," or "") .. '{"Id":"m' .. i .. '","MessageBody":"order ' .. i .. '"}'
end
send_body = send_body .. ']}'
local recv_body = '{"QueueUrl":"' .. url .. '","MaxNumberOfMessages":10,"VisibilityTimeout":30}'
local pending = {}
local step = 0
deleted = 0
local function req(target, body)
  return wrk.format("POST", "/", {["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Target"] = "AmazonSQS." .. target,
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
    ["X-Amz-Date"] = "20260101T000000Z"}, body)
end
request = function()
  if #pending > 0 then return table.remove(pending, 1) end
  step = step + 1
  if step %% 2 == 1 then return req("SendMessageBatch", send_body) end
  return req("ReceiveMessage", recv_body)
end
response = function(status, headers, body)
  if body:find('"Successful"', 1, true) and body:find('"Id"%%s*:%%s*"d') then
    local n = 0
    for _ in body:gmatch('"Id"%%s*:%%s*"d') do n = n + 1 end
    deleted = deleted + n
    return
  end
  local entries, i = {}, 0
  for h in body:gmatch('"ReceiptHandle"%%s*:%%s*"([^"]+)"') do
    i = i + 1
    entries[#entries + 1] = '{"Id":"d' .. i .. '","ReceiptHandle":"' .. h .. '"}'
  end
  if i > 0 then
    pending[#pending + 1] = req("DeleteMessageBatch", '{"QueueUrl":"' .. url .. '","Entries":[' .. table.concat(entries, ",") .. ']}')
  end
end
threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("deleted") end
  io.write(string.format("Deleted: %%d\n", total))
end
"""


def long_poll_latency(ep, rounds=100):
    """A receiver long-polls (WaitTimeSeconds=20) an empty queue; another client sends. Returns
    p50/p99 milliseconds from the send's acknowledgement to the receiver's boto3 call returning
    with the message (Python client overhead included)."""
    import threading
    import boto3
    kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    sender, receiver = boto3.client("sqs", **kw), boto3.client("sqs", **kw)
    url = sender.create_queue(QueueName="bench-poll")["QueueUrl"]
    receiver.receive_message(QueueUrl=url, WaitTimeSeconds=0)  # warm both connections
    sender.get_queue_url(QueueName="bench-poll")
    samples = []
    for _ in range(rounds):
        got = {}

        def recv():
            r = receiver.receive_message(QueueUrl=url, WaitTimeSeconds=20, MaxNumberOfMessages=1)
            got["t"] = time.perf_counter()
            for m in r.get("Messages", []):
                receiver.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        t = threading.Thread(target=recv)
        t.start()
        time.sleep(0.05)  # the receive is waiting
        sender.send_message(QueueUrl=url, MessageBody="wake up")
        t0 = time.perf_counter()
        t.join(30)
        samples.append(max(0.0, got.get("t", t0 + 30) - t0) * 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def cycle(ep, args):
    """Messages per second through send -> receive -> delete, batches of 10."""
    import boto3
    c = boto3.client("sqs", endpoint_url=ep, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test")
    url = c.create_queue(QueueName="bench-cycle")["QueueUrl"]
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(CYCLE_LUA % {"url": url})
    lua.close()
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
           "-s", lua.name, ep + "/"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60).stdout
    os.unlink(lua.name)
    m = re.search(r"Deleted: (\d+)", out)
    return int(m.group(1)) / args.duration if m else 0.0


def stratus_only_rows(lambda_results, apigw_results, lambda_notes):
    lines = []
    for name, r in lambda_results:
        why = "moto serves no invoke URLs" if name.startswith("apigateway") else "moto needs Docker for Lambda"
        lines.append(f"| {name} | {r['rps']:.0f} | n/a ({why}) | | {r['p50']:.2f} / {r['p99']:.2f} | |")
        if r["errors"]:
            lines.append(f"|  (non-2xx: stratus {r['errors']}) | | | | | |")
    lines += lambda_notes
    for name, r in apigw_results:
        lines.append(f"| {name} | {r['rps']:.0f} | n/a (moto serves no invoke URLs) | | "
                     f"{r['p50']:.2f} / {r['p99']:.2f} | |")
        if r["errors"]:
            lines.append(f"|  (non-2xx: stratus {r['errors']}) | | | | | |")
    return lines


def sns_cost(ep, pid, args, fanout=10):
    """`--only sns`: Publish to a topic with `fanout` SQS subscriptions under wrk while perf
    counts the server's CPU time; then checks every queue holds every published copy."""
    import boto3
    body, headers = sns_publish_workload(ep, fanout)
    h = signed_request(ep, "sns", body, headers)
    perf = subprocess.Popen(["perf", "stat", "-e", "task-clock", "-x", ",", "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.2)
    r = wrk(ep + "/", "POST", body, h, args)
    time.sleep(1)  # requests wrk left in flight finish, background flushes run
    perf.send_signal(signal.SIGINT)
    err = perf.communicate(timeout=30)[1]
    cpu_ms = float(next(l for l in err.splitlines() if "task-clock" in l).split(",")[0])
    sent, rps, non2xx = r["requests"], r["rps"], r["errors"]
    kw = dict(endpoint_url=ep, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    sqs = boto3.client("sqs", **kw)
    counts = []
    for i in range(fanout):
        url = sqs.get_queue_url(QueueName=f"bench-fanout-{i}")["QueueUrl"]
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        counts.append(int(a["ApproximateNumberOfMessages"]))
    # wrk counts answered requests; up to one per connection may have been answered after it stopped.
    ok = len(set(counts)) == 1 and sent <= counts[0] <= sent + args.connections and not non2xx
    published = counts[0]
    print(f"sns Publish x{fanout} SQS: {rps:.0f} publishes/s, {published} publishes, server CPU "
          f"{cpu_ms:.0f} ms = {1000 * cpu_ms / published:.1f} us/publish; queues hold {counts} "
          f"-> {'every copy delivered' if ok else 'MISMATCH'}"
          + (f" (non-2xx: {non2xx})" if non2xx else ""))
    return ok


SMALL_ITEM = b'{"TableName":"bench","Item":{"pk":{"S":"user#42"},"name":{"S":"Ada"},"n":{"N":"7"}}}'


def ddb_json(op):
    return {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + op}


def ddb_c16_workloads(args, tmp):
    """The DynamoDB issue states its bar at 16 connections (p99 < 2 ms): stratus at -c16, on a
    fresh server holding just the bench table (in a full run, the main server still compacts the
    millions of SQS messages the SendMessage and SNS workloads left behind, which is not this bar).
    Returns [(name, wrk result)]."""
    c16 = argparse.Namespace(**{**vars(args), "connections": 16})
    dport = free_port()
    ddb_cmd = [args.stratus, "serve", "--port", str(dport), "--data-dir", os.path.join(tmp, "ddb16"),
               "--auth", "strict", "--log-level", "off"]
    ddb_server = Server(ddb_cmd, dport, "/_stratus/health")
    ddb_setup(f"http://127.0.0.1:{dport}")
    ddb16 = []
    for name, body, op in (("PutItem", SMALL_ITEM, "PutItem"),
                           ("GetItem", b'{"TableName":"bench","Key":{"pk":{"S":"user#42"}}}', "GetItem")):
        ep = f"http://127.0.0.1:{dport}"
        ddb16.append((name, wrk(ep + "/", "POST", body, signed_request(ep, "dynamodb", body, ddb_json(op)), c16)))
    # The static PutItem above rewrites an unchanged item, which writes nothing (as on AWS, no
    # stream record either). Here every request puts a new item, so each one goes through the
    # write-ahead log: the request is signed with x-amz-content-sha256 UNSIGNED-PAYLOAD so
    # that wrk can vary the body without re-signing.
    ep = f"http://127.0.0.1:{dport}"
    hdr = signed_request(ep, "dynamodb", b"{}", {**ddb_json("PutItem"), "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    ddb16.append(("PutItem, a new item each request", wrk(ep + "/", "POST", b"", hdr, c16, PUT_NEW_LUA)))
    ddb_server.stop()
    return ddb16


# ---- The services of issues 16 (S3), 17 (SSM, Secrets Manager, KMS) and 18 (Cognito) ----------
# Each group runs on a stratus and a moto_server of its own (fresh data directories) and returns
# table rows; `--only GROUP --merge` re-runs one group and puts its rows into results.md/README.

MIB = 1 << 20
S3_KEYS = 100_000  # ListObjectsV2 bucket: 100 prefixes x 1,000 keys


def client(ep, service):
    import boto3
    return boto3.client(service, endpoint_url=ep, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test")


def signed(endpoint, service, method, path, body=b"", headers=None, unsigned_payload=False):
    """SigV4 headers for one request. S3 is signed as the SDKs sign over http: the
    x-amz-content-sha256 header carries the body's SHA-256, which the server checks;
    `unsigned_payload` signs the headers only (x-amz-content-sha256: UNSIGNED-PAYLOAD), as the SDKs
    sign S3 requests over https."""
    req = botocore.awsrequest.AWSRequest(method=method, url=endpoint + path, data=body, headers=headers or {})
    auth = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
    signer = auth(botocore.credentials.Credentials("test", "test"), service, "us-east-1")
    if unsigned_payload:
        signer._should_sha256_sign_payload = lambda r: False
    signer.add_auth(req)
    return dict(req.headers.items())


def json_target(target, version="1.1"):
    return {"Content-Type": f"application/x-amz-json-{version}", "X-Amz-Target": target}


def s3_load_part(ep, bucket, first, count):
    """PUTs keys first..first+count-1 (p{i // 1000}/obj-{i % 1000}) over one kept-alive connection,
    unsigned (the loading server runs --auth open; moto checks no signature)."""
    import http.client
    u = urllib.parse.urlparse(ep)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    h = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
                          "SignedHeaders=host, Signature=0",
         "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    bad = 0
    for i in range(first, first + count):
        c.request("PUT", f"/{bucket}/p{i // 1000:03d}/obj-{i % 1000:04d}", body=b"v", headers=h)
        r = c.getresponse()
        r.read()
        bad += r.status != 200
    c.close()
    return bad


def s3_load(ep, bucket, keys, procs=4):
    """Loads `keys` one-byte objects with `procs` client processes; returns seconds."""
    import concurrent.futures
    t0 = time.time()
    per = keys // procs
    with concurrent.futures.ProcessPoolExecutor(procs) as ex:
        bad = sum(ex.map(s3_load_part, [ep] * procs, [bucket] * procs, [i * per for i in range(procs)],
                         [per] * procs))
    if bad:
        raise RuntimeError(f"{bad} PUTs failed while loading {ep}")
    return time.time() - t0


def s3_setup(ep, keys):
    """Bucket `bench` with the objects the GETs read and `keys` listing keys; returns load seconds."""
    s3 = client(ep, "s3")
    s3.create_bucket(Bucket="bench")
    s3.put_object(Bucket="bench", Key="big", Body=b"x" * MIB)
    s3.put_object(Bucket="bench", Key="small", Body=b"x" * 1024)
    return s3_load(ep, "bench", keys)


def s3_prefix(keys):
    """A prefix in the middle of the listing bucket: 1,000 keys."""
    return f"p{keys // 2000:03d}"


def s3_rows_for(ep, args, keys):
    """[(name, wrk result)] for the S3 workloads against a server holding s3_setup's bucket."""
    big, small = b"x" * MIB, b"x" * 1024
    out = []
    for name, method, path, body, unsigned in (("PutObject 1 MiB", "PUT", "/bench/put-big", big, False),
                                               ("PutObject 1 MiB unsigned", "PUT", "/bench/put-big", big, True),
                                               ("GetObject 1 MiB", "GET", "/bench/big", b"", False),
                                               ("PutObject 1 KiB", "PUT", "/bench/put-small", small, False),
                                               ("GetObject 1 KiB", "GET", "/bench/small", b"", False)):
        h = signed(ep, "s3", method, path, body, unsigned_payload=unsigned)
        os.sync()  # the previous row's written data is on disk: its writeback does not run under this row
        out.append((name, wrk(ep + path, method, body, h, args)))
    path = f"/bench?list-type=2&max-keys=1000&prefix={s3_prefix(keys)}%2F"
    out.append(("ListObjectsV2", wrk(ep + path, "GET", b"", signed(ep, "s3", "GET", path), args)))
    return out


def s3_list_check(ep, keys):
    r = client(ep, "s3").list_objects_v2(Bucket="bench", Prefix=s3_prefix(keys) + "/", MaxKeys=1000)
    return r["KeyCount"]


def s3_multipart_rss(args, tmp, mib=1024):
    """Peak RSS (VmHWM) of a fresh stratus while `aws s3 cp` uploads a 1 GiB file (multipart,
    the CLI's defaults: 8 MiB parts, 10 concurrent requests)."""
    port = free_port()
    srv = Server([args.stratus, "serve", "--port", str(port), "--data-dir", os.path.join(tmp, "s3mp"),
                  "--auth", "strict", "--log-level", "off"], port, "/_stratus/health")
    ep = f"http://127.0.0.1:{port}"
    try:
        client(ep, "s3").create_bucket(Bucket="bench-mp")
        src = os.path.join(tmp, "upload.bin")
        with open(src, "wb") as f:
            chunk = os.urandom(MIB)
            for _ in range(mib):
                f.write(chunk)
        before = peak_rss_mb(srv.proc.pid)
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1"}
        t0 = time.time()
        subprocess.run(["aws", "--endpoint-url", ep, "s3", "cp", src, "s3://bench-mp/upload.bin", "--only-show-errors"],
                       check=True, env=env, timeout=600)
        secs = time.time() - t0
        size = client(ep, "s3").head_object(Bucket="bench-mp", Key="upload.bin")["ContentLength"]
        os.unlink(src)
        return before, peak_rss_mb(srv.proc.pid), secs, size
    finally:
        srv.stop()


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid, idle=0.03, longest=300):
    """Waits until the process uses under `idle` of a core over a second (a bulk load leaves
    RocksDB compactions running for a while; measuring during them measures the load, not the
    workload); returns the seconds waited."""
    t0 = time.time()
    while time.time() - t0 < longest:
        c0 = cpu_seconds(pid)
        time.sleep(1)
        if cpu_seconds(pid) - c0 < idle:
            break
    return time.time() - t0


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024.0


def pair_servers(args, tmp, name, stratus_auth="strict"):
    """A fresh stratus and moto_server for one group: (stratus Server, its endpoint, moto Server, endpoint)."""
    sport, mport = free_port(), free_port()
    s = Server([args.stratus, "serve", "--port", str(sport), "--data-dir", os.path.join(tmp, name),
                "--auth", stratus_auth, "--log-level", "off"], sport, "/_stratus/health")
    m = Server(["moto_server", "-p", str(mport)], mport)
    return s, f"http://127.0.0.1:{sport}", m, f"http://127.0.0.1:{mport}"


def ratio_row(name, s, m, unit=""):
    """One side-by-side row; unit "MiB/s" turns req/s of 1 MiB objects into MiB/s. Rates count
    2xx answers only (moto answers some concurrent S3 overwrites with a 500)."""
    s, m = ok_rate(s), ok_rate(m)
    fmt = (lambda r: f"{r['rps']:.0f} MiB/s") if unit else (lambda r: f"{r['rps']:.0f}")
    ratio = f"{s['rps'] / m['rps']:.1f}x" if m["rps"] else "n/a"
    rows = [f"| {name} | {fmt(s)} | {fmt(m)} | {ratio} | {s['p50']:.2f} / {s['p99']:.2f} | "
            f"{m['p50']:.2f} / {m['p99']:.2f} |"]
    if s["errors"] or m["errors"]:
        rows.append(f"|  (non-2xx: stratus {s['errors']} of {s['requests']}, moto {m['errors']} of {m['requests']}; "
                    f"rates above count 2xx only) | | | | | |")
    return rows


def ok_rate(r):
    if not r["errors"] or not r["requests"]:
        return r
    return {**r, "rps": r["rps"] * (r["requests"] - r["errors"]) / r["requests"]}


def s3_group(args, tmp, keys=S3_KEYS, multipart=True, stratus_keys=None):
    """S3 (issue 16): 1 MiB PUT/GET in MiB/s, 1 KiB PUT/GET in req/s, ListObjectsV2 of 1,000 keys
    (one prefix) out of a bucket of `keys` keys (`stratus_keys` for stratus when given: moto loads
    ~360 keys/s, so a bucket of a million keys is measured on stratus only); nginx serving the same
    1 MiB file; stratus's peak RSS during a 1 GiB multipart upload by the aws CLI."""
    skeys = stratus_keys or keys
    # The listing keys are loaded unsigned into a stratus running --auth open; the same data
    # directory is then served with --auth strict for the measurements.
    s, sep, m, mep = pair_servers(args, tmp, "s3", stratus_auth="open")
    try:
        s_load = s3_setup(sep, skeys)
        s.stop()
        s = Server(s.cmd[:s.cmd.index("--auth") + 1] + ["strict", "--log-level", "off"], s.port, "/_stratus/health")
        settled = settle(s.proc.pid)
        print(f"s3: stratus idle {settled:.0f} s after the restart (the load's compactions done)", flush=True)
        m_load = s3_setup(mep, keys)
        print(f"s3: {skeys} keys loaded in {s_load:.1f} s (stratus), {keys} in {m_load:.1f} s (moto)", flush=True)
        counts = (s3_list_check(sep, skeys), s3_list_check(mep, keys))
        s_res = s3_rows_for(sep, args, skeys)
        m_res = s3_rows_for(mep, args, keys)
    finally:
        s.stop()
        m.stop()
    www = os.path.join(tmp, "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "big"), "wb") as f:
        f.write(b"x" * MIB)
    nport = free_port()
    ng = nginx_server(nport, tmp, root=www)
    try:
        ng_res = wrk(f"http://127.0.0.1:{nport}/big", "GET", b"", {}, args)
    finally:
        ng.stop()
    labels = {"PutObject 1 MiB": ("s3 PutObject 1 MiB (MiB/s)", "MiB/s"),
              "PutObject 1 MiB unsigned": ("s3 PutObject 1 MiB, headers signed, UNSIGNED-PAYLOAD (as SDKs send over "
                                           "https; MiB/s)", "MiB/s"),
              "GetObject 1 MiB": ("s3 GetObject 1 MiB (MiB/s)", "MiB/s"),
              "PutObject 1 KiB": ("s3 PutObject 1 KiB", ""), "GetObject 1 KiB": ("s3 GetObject 1 KiB", ""),
              "ListObjectsV2": ("s3 ListObjectsV2, 1,000 keys (one prefix, max-keys 1000) of "
                                + (f"{keys:,} in the bucket" if skeys == keys else
                                   f"{skeys:,} in stratus's bucket, {keys:,} in moto's"), "")}
    lines = []
    for (name, sr), (_, mr) in zip(s_res, m_res):
        label, unit = labels[name]
        lines += ratio_row(label, sr, mr, unit)
        if name == "ListObjectsV2" and counts != (1000, 1000):
            lines.append(f"|  (KeyCount: stratus {counts[0]}, moto {counts[1]}) | | | | | |")
        if name == "GetObject 1 MiB":
            lines.append(f"| nginx, the same 1 MiB file (static GET, ceiling) | {ng_res['rps']:.0f} MiB/s | | stratus = "
                         f"{100 * sr['rps'] / ng_res['rps']:.0f}% of nginx | {ng_res['p50']:.2f} / {ng_res['p99']:.2f} | |")
    what = f"{keys:,}" if skeys == keys else f"stratus {skeys:,}, moto {keys:,}"
    lines.append(f"| s3 loading the listing bucket ({what} PutObject, 4 clients, 1 byte each) | {s_load:.1f} s "
                 f"({skeys / s_load:.0f}/s) | {m_load:.1f} s ({keys / m_load:.0f}/s) | "
                 f"{(skeys / s_load) / (keys / m_load):.1f}x | | |")
    if multipart:
        before, peak, secs, size = s3_multipart_rss(args, tmp, args.multipart_mib)
        what = "1 GiB" if size == 1 << 30 else f"{size / MIB:.0f} MiB"
        lines.append(f"| s3 {what} multipart upload by `aws s3 cp` (8 MiB parts, 10 at once): server peak RSS | "
                     f"{peak:.0f} MB (idle peak {before:.0f} MB; {secs:.1f} s, {size / MIB / secs:.0f} MiB/s) | | | | |")
    return lines


def ssm_setup(ep):
    client(ep, "ssm").put_parameter(Name="/bench/db/url", Value="postgres://db.internal:5432/orders", Type="String")
    return b'{"Name":"/bench/db/url"}', json_target("AmazonSSM.GetParameter")


def secrets_setup(ep):
    client(ep, "secretsmanager").create_secret(Name="bench/db", SecretString='{"username":"app","password":"s3cr3t-pa55"}')
    return b'{"SecretId":"bench/db"}', json_target("secretsmanager.GetSecretValue")


PLAINTEXT_1K = os.urandom(1024)


def kms_key(ep):
    kms = client(ep, "kms")
    key = kms.create_key(Description="bench")["KeyMetadata"]["KeyId"]
    return kms, key


def kms_encrypt_setup(ep):
    import base64
    _, key = kms_key(ep)
    body = ('{"KeyId":"%s","Plaintext":"%s"}' % (key, base64.b64encode(PLAINTEXT_1K).decode())).encode()
    return body, json_target("TrentService.Encrypt")


def kms_decrypt_setup(ep):
    import base64
    kms, key = kms_key(ep)
    blob = kms.encrypt(KeyId=key, Plaintext=PLAINTEXT_1K)["CiphertextBlob"]
    return ('{"CiphertextBlob":"%s"}' % base64.b64encode(blob).decode()).encode(), json_target("TrentService.Decrypt")


def cognito_setup(ep):
    """A pool, an app client allowing USER_PASSWORD_AUTH, a confirmed user with a permanent password."""
    idp = client(ep, "cognito-idp")
    pool = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pool, ClientName="web",
                                      ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])[
        "UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="ada", MessageAction="SUPPRESS", TemporaryPassword="Temp-Pass-123!")
    idp.admin_set_user_password(UserPoolId=pool, Username="ada", Password="Correct-Horse-9!", Permanent=True)
    body = ('{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"%s","AuthParameters":{"USERNAME":"ada",'
            '"PASSWORD":"Correct-Horse-9!"}}' % cid).encode()
    return body, json_target("AWSCognitoIdentityProviderService.InitiateAuth")


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def cloudwatch_put_setup(ep):
    """PutMetricData of one value with a dimension, in the Query protocol both servers speak (boto3
    sends the same datum as smithy-rpc-v2-cbor)."""
    body = (b"Action=PutMetricData&Version=2010-08-01&Namespace=Bench%2FApp"
            b"&MetricData.member.1.MetricName=Latency&MetricData.member.1.Value=12.5&MetricData.member.1.Unit=Milliseconds"
            b"&MetricData.member.1.Dimensions.member.1.Name=Service&MetricData.member.1.Dimensions.member.1.Value=api")
    return body, FORM


def ses_send_setup(ep):
    """SendEmail from a verified domain, production access on (the sandbox allows 200 a day), to the
    mailbox simulator's success address (delivered into the mailbox; not counted against the daily
    quota, which a 10 s run would exceed)."""
    client(ep, "ses").verify_domain_identity(Domain="bank.example.com")
    try:
        client(ep, "sesv2").put_account_details(ProductionAccessEnabled=True, MailType="TRANSACTIONAL",
                                                WebsiteURL="https://bank.example.com")
    except Exception:  # moto: not implemented (it has no sandbox either)
        pass
    body = (b"Action=SendEmail&Version=2010-12-01&Source=alerts%40bank.example.com"
            b"&Destination.ToAddresses.member.1=success%40simulator.amazonses.com"
            b"&Message.Subject.Data=Your+statement&Message.Body.Text.Data=" + b"x" * 200)
    return body, FORM


# group -> [(row name, service, setup(endpoint) -> (body, headers), signed)]
JSON_GROUPS = {
    "ssm": [("ssm GetParameter", "ssm", ssm_setup, True)],
    "secretsmanager": [("secretsmanager GetSecretValue", "secretsmanager", secrets_setup, True)],
    "kms": [("kms Encrypt (1 KiB, symmetric key)", "kms", kms_encrypt_setup, True),
            ("kms Decrypt (1 KiB)", "kms", kms_decrypt_setup, True)],
    # InitiateAuth is an unsigned operation (the SDKs send no signature): sent unsigned here too.
    "cloudwatch": [("cloudwatch PutMetricData (1 value, 1 dimension)", "monitoring", cloudwatch_put_setup, True)],
    "ses": [("ses SendEmail into the mailbox (200 B text, simulator recipient)", "ses", ses_send_setup, True)],
    "cognito": [("cognito-idp InitiateAuth USER_PASSWORD_AUTH (PBKDF2-SHA256, 100,000 iterations)", "cognito-idp",
                 cognito_setup, False)],
}


def json_group(args, tmp, group):
    s, sep, m, mep = pair_servers(args, tmp, group)
    lines = []
    try:
        for name, svc, setup, sign in JSON_GROUPS[group]:
            r = {}
            for label, ep in (("stratus", sep), ("moto", mep)):
                body, headers = setup(ep)
                h = signed_request(ep, svc, body, headers) if sign else headers
                r[label] = wrk(ep + "/", "POST", body, h, args)
            lines += ratio_row(name, r["stratus"], r["moto"])
    finally:
        s.stop()
        m.stop()
    return lines


NEW_GROUPS = ["s3", "ssm", "secretsmanager", "kms", "cognito", "cloudwatch", "ses"]


def new_group_rows(args, tmp, group):
    return s3_group(args, tmp, keys=args.s3_keys, multipart=not args.no_multipart,
                    stratus_keys=args.s3_stratus_keys) if group == "s3" \
        else json_group(args, tmp, group)


def merge_rows(rows, note):
    """Puts `rows` into bench/results.md's table (replacing rows of the same names, else before the
    nginx ceiling row) with `note` under the table, then copies the table into README."""
    path = os.path.join(HERE, "results.md")
    text = open(path).read().rstrip("\n").split("\n")
    table = [l for l in text if l.startswith("|")]
    rest = [l for l in text if not l.startswith("|") and l.strip()]
    name = lambda l: l.split("|")[1].strip()

    def same(n):
        """A row's name less the bucket sizes it states, which change with --s3-keys."""
        return n.split(" of ")[0] if n.startswith("s3 ListObjectsV2") else \
            n.split(" (")[0] if n.startswith("s3 loading the listing bucket") else n
    names = {same(name(r)) for r in rows if not name(r).startswith("(")}
    kept, i = [], 0
    while i < len(table):
        if same(name(table[i])) in names:  # drop the row and the error note under it
            i += 1
            while i < len(table) and name(table[i]).startswith("("):
                i += 1
            continue
        kept.append(table[i])
        i += 1
    at = next((i for i, l in enumerate(kept) if name(l).startswith("nginx, fixed reply")), len(kept))
    table = kept[:at] + rows + kept[at:]
    key = note.split(":")[0]
    stamp = "\n\n".join([l for l in rest if not l.startswith(key)] + [note])
    with open(path, "w") as f:
        f.write("\n".join(table) + f"\n\n{stamp}\n")
    update_readme("bench", "\n".join(table), stamp)


def only(args, tmp):
    """`--only GROUP`: one stratus, one group of workloads, rows printed (for iterating). The
    side-by-side groups of the newer services (NEW_GROUPS) run a stratus and a moto_server; with
    --merge their rows replace the same rows in results.md and README's table."""
    if args.only in NEW_GROUPS:
        rows = new_group_rows(args, tmp, args.only)
        print("\n".join(rows))
        if args.merge:
            cmd = f"python3 bench/bench.py build/stratus --only {args.only} --merge" + \
                  (f" --duration {args.duration}" if args.duration != 10 else "") + \
                  (f" --connections {args.connections}" if args.connections != 32 else "") + \
                  (f" --s3-keys {args.s3_keys}" if args.only == "s3" and args.s3_keys != S3_KEYS else "") + \
                  (f" --s3-stratus-keys {args.s3_stratus_keys}" if args.only == "s3" and args.s3_stratus_keys else "")
            merge_rows(rows, f"Rows `--only {args.only}`: measured {time.strftime('%Y-%m-%d')} by `{cmd}`: "
                             f"{settings_text(args)}, each on a fresh stratus and moto_server.")
        return
    if args.only == "dynamodb":  # on a server of its own, as in the full run
        for name, r in ddb_c16_workloads(args, tmp):
            print(f"dynamodb {name}, wrk -c16: {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms"
                  + (f", non-2xx {r['errors']}" if r["errors"] else ""))
        return
    port = free_port()
    cmd = [args.stratus, "serve", "--port", str(port), "--data-dir", os.path.join(tmp, "data"),
           "--auth", "strict", "--log-level", "off"]
    server = Server(cmd, port, "/_stratus/health")
    print(f"stratus pid {server.proc.pid}", flush=True)
    ep = f"http://127.0.0.1:{port}"
    try:
        if args.only == "sns":
            if not sns_cost(ep, server.proc.pid, args):
                sys.exit(1)
            return
        if args.only == "lambda":
            res, notes = lambda_workloads(ep, tmp, args)
            rows = stratus_only_rows(res, [], notes)
        else:
            rows = stratus_only_rows([], apigateway_workloads(ep, args), [])
        print("\n".join(rows))
    finally:
        server.stop()


def settings_text(args):
    return (f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, loopback, "
            f"{os.cpu_count()} cores; stratus --auth strict (every signature verified)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stratus")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", choices=["lambda", "apigateway", "sns", "dynamodb"] + NEW_GROUPS,
                    help="run one group of workloads, print its rows, write nothing (unless --merge)")
    ap.add_argument("--merge", action="store_true",
                    help=f"with --only {'|'.join(NEW_GROUPS)}: put the rows into results.md and README")
    ap.add_argument("--s3-keys", type=int, default=S3_KEYS, help="keys in the ListObjectsV2 bucket")
    ap.add_argument("--s3-stratus-keys", type=int, default=0,
                    help="keys in stratus's ListObjectsV2 bucket when it differs from moto's (e.g. 1000000)")
    ap.add_argument("--no-multipart", action="store_true", help="skip the 1 GiB multipart upload")
    ap.add_argument("--multipart-mib", type=int, default=1024, help="size of the multipart upload")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="stratus-bench-")
    if args.only:
        try:
            return only(args, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    try:
        sport, mport, nport = free_port(), free_port(), free_port()
        stratus_cmd = [args.stratus, "serve", "--port", str(sport), "--data-dir", os.path.join(tmp, "data"),
                       "--auth", "strict", "--log-level", "off"]
        moto_cmd = ["moto_server", "-p", str(mport)]
        s_start = startup_ms(stratus_cmd, sport, "/_stratus/health")
        m_start = startup_ms(moto_cmd, mport, "/", runs=3)

        stratus = Server(stratus_cmd, sport, "/_stratus/health")
        moto = Server(moto_cmd, mport)
        time.sleep(0.5)
        s_rss, m_rss = rss_mb(stratus.proc.pid), rss_mb(moto.proc.pid)


        def ddb(body, op):
            def setup(ep):
                ddb_setup(ep)
                return body, ddb_json(op)
            return setup

        # (name, service, body, headers) or (name, service, setup) where setup(endpoint) creates
        # what the request needs on that server and returns (body, headers).
        workloads = [
            ("sts GetCallerIdentity", "sts", b"Action=GetCallerIdentity&Version=2011-06-15",
             {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}),
            ("dynamodb PutItem (small item)", "dynamodb", ddb(SMALL_ITEM, "PutItem")),
            ("dynamodb GetItem (small item)", "dynamodb",
             ddb(b'{"TableName":"bench","Key":{"pk":{"S":"user#42"}}}', "GetItem")),
            ("dynamodb Query (100 items of one partition)", "dynamodb", ddb_query_setup),
            ("sqs SendMessage", "sqs", sqs_send_workload),
            ("sns Publish (10 SQS subscriptions)", "sns", sns_publish_workload),
        ]
        results = []
        # Lambda and API Gateway (stratus only) on a server of their own, so the side-by-side rows
        # below don't run while it compacts what those workloads stored.
        aport = free_port()
        aux = Server([args.stratus, "serve", "--port", str(aport), "--data-dir", os.path.join(tmp, "aux"),
                      "--auth", "strict", "--log-level", "off"], aport, "/_stratus/health")
        try:
            lambda_results, lambda_notes = lambda_workloads(f"http://127.0.0.1:{aport}", tmp, args)
            apigw_results = apigateway_workloads(f"http://127.0.0.1:{aport}", args)
        finally:
            aux.stop()
        for name, svc, *spec in workloads:
            r = {}
            for label, port in (("stratus", sport), ("moto", mport)):
                ep = f"http://127.0.0.1:{port}"
                body, headers = spec[0](ep) if callable(spec[0]) else spec
                h = signed_request(ep, svc, body, headers)
                r[label] = wrk(ep + "/", "POST", body, h, args)
            results.append((name, r))
        stratus.stop()
        moto.stop()

        ddb16 = ddb_c16_workloads(args, tmp)

        # The batch cycle needs unsigned follow-up requests: fresh servers without signature checks.
        cport, cmport = free_port(), free_port()
        open_cmd = [args.stratus, "serve", "--port", str(cport), "--data-dir", os.path.join(tmp, "cycle"),
                    "--log-level", "off"]
        stratus_open = Server(open_cmd, cport, "/_stratus/health")
        cyc_s = cycle(f"http://127.0.0.1:{cport}", args)
        drain_s = esm_drain_workload(f"http://127.0.0.1:{cport}")
        poll_s = long_poll_latency(f"http://127.0.0.1:{cport}")
        stratus_open.stop()
        moto2 = Server(["moto_server", "-p", str(cmport)], cmport)
        cyc_m = cycle(f"http://127.0.0.1:{cmport}", args)
        poll_m = long_poll_latency(f"http://127.0.0.1:{cmport}", rounds=10)
        moto2.stop()

        # nginx answers the very same signed request with a fixed reply: the HTTP ceiling here.
        nginx = nginx_server(nport, tmp)
        _, svc, body, headers = workloads[0]
        ng = wrk(f"http://127.0.0.1:{nport}/", "POST", body,
                 signed_request(f"http://127.0.0.1:{nport}", svc, body, headers), args)
        nginx.stop()

        lines = ["| workload | stratus req/s | moto req/s | ratio | stratus p50/p99 ms | moto p50/p99 ms |",
                 "|---|---:|---:|---:|---:|---:|"]
        for name, r in results:
            s, m = r["stratus"], r["moto"]
            ratio = f"{s['rps'] / m['rps']:.1f}x" if m["rps"] else "n/a"
            lines.append(f"| {name} | {s['rps']:.0f} | {m['rps']:.0f} | {ratio} | "
                         f"{s['p50']:.2f} / {s['p99']:.2f} | {m['p50']:.2f} / {m['p99']:.2f} |")
            if s["errors"] or m["errors"]:
                lines.append(f"|  (non-2xx: stratus {s['errors']}, moto {m['errors']}) | | | | | |")
        lines += stratus_only_rows(lambda_results, apigw_results, lambda_notes)
        ratio = f"{cyc_s / cyc_m:.1f}x" if cyc_m else "n/a"
        lines.append(f"| sqs send→receive→delete, batches of 10 (msg/s) | {cyc_s:.0f} | {cyc_m:.0f} | {ratio} | | |")
        lines.append(f"| sqs long-poll receiver woken by a send (ms from send acknowledged to message received, boto3, p50 / p99) | "
                     f"{poll_s[0]:.2f} / {poll_s[1]:.2f} | {poll_m[0]:.0f} / {poll_m[1]:.0f} | | | |")
        for name, r in ddb16:
            lines.append(f"| dynamodb {name} (small item{'' if r['errors'] == 0 else ', non-2xx: ' + str(r['errors'])}), wrk -c16 | {r['rps']:.0f} | | | "
                         f"{r['p50']:.2f} / {r['p99']:.2f} | |")
        lines.append(f"| SQS-triggered python function drains 10,000 messages (s) | {drain_s:.1f} s "
                     f"({10_000 / drain_s:.0f} msg/s) | n/a (moto needs Docker for Lambda) | | | |")
        for group in NEW_GROUPS:
            lines += new_group_rows(args, tmp, group)
        lines.append(f"| nginx, fixed reply to the same request (HTTP ceiling) | {ng['rps']:.0f} | | stratus = "
                     f"{100 * results[0][1]['stratus']['rps'] / ng['rps']:.0f}% of nginx | {ng['p50']:.2f} / {ng['p99']:.2f} | |")
        lines.append(f"| start to first answer | {s_start:.1f} ms | {m_start:.0f} ms | {m_start / s_start:.0f}x faster | | |")
        lines.append(f"| idle RSS | {s_rss:.1f} MB | {m_rss:.1f} MB | {m_rss / s_rss:.1f}x smaller | | |")
        table = "\n".join(lines)
        settings = settings_text(args)
        print(table)
        print()
        print(settings)
        stamp = f"Measured {time.strftime('%Y-%m-%d')} by `make bench`: {settings}."
        with open(os.path.join(HERE, "results.md"), "w") as f:
            f.write(f"{table}\n\n{stamp}\n")
        update_readme("bench", table, stamp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
