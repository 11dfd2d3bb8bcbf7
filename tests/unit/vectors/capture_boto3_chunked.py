#!/usr/bin/env python3
"""Captures the aws-chunked bodies boto3 really sends for put_object.

Starts a throwaway HTTPS server on 127.0.0.1 (self-signed certificate made with the openssl
CLI; botocore only sends trailer checksums over TLS), points boto3 at it and records the
headers and raw body of each PUT (default checksum settings: STREAMING-UNSIGNED-PAYLOAD-TRAILER
with a CRC32 trailer, and the same with ChecksumAlgorithm SHA256 / SHA1).

Usage: python3 capture_boto3_chunked.py > boto3_chunked.json
"""
import base64
import http.server
import io
import json
import os
import ssl
import subprocess
import tempfile
import threading

import boto3
import botocore
from botocore.config import Config

captured = []


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:  # HTTP/1.1 chunked framing around the aws-chunked body
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        captured.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                         "body_b64": base64.b64encode(body).decode()})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.send_header("ETag", '"x"')
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    tmp = tempfile.mkdtemp()
    cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-days", "1", "-keyout", key, "-out", cert], check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    s3 = boto3.client("s3", endpoint_url=f"https://127.0.0.1:{server.server_port}", region_name="us-east-1",
                      verify=False,
                      aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                      config=Config(s3={"addressing_style": "path"}))
    payload = b"Hello from boto3! " * 60
    out = []
    for algo in [None, "SHA256", "SHA1"]:  # CRC32C needs awscrt, not installed here
        kw = {"ChecksumAlgorithm": algo} if algo else {}
        s3.put_object(Bucket="b", Key="k", Body=io.BytesIO(payload), **kw)
        rec = captured[-1]
        rec["name"] = (algo or "default_crc32").lower()
        rec["payload_b64"] = base64.b64encode(payload).decode()
        out.append(rec)
    print(json.dumps({"boto3": boto3.__version__, "botocore": botocore.__version__, "requests": out}, indent=1))


if __name__ == "__main__":
    main()
