#!/usr/bin/env python3
"""Generates aws-chunked known-answer bodies for the C++ decoder tests.

Signed forms follow the AWS "Signature Calculations for the Authorization Header: Transferring
Payload in Multiple Chunks" spec; the first case is the worked example from that page (65536 +
1024 bytes of 'a', seed signature 4f232c43...), so its chunk signatures can be compared with
the published ones. Unsigned-trailer bodies use Python's zlib/hashlib and bitwise CRC32C and
CRC64NVME written here from their definitions. boto3_chunked.json holds bodies boto3 really
sent (capture_boto3_chunked.py).

Usage: python3 make_chunked_vectors.py > aws_chunked_vectors.inc
"""
import base64
import hashlib
import hmac
import json
import os
import zlib

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def crc64nvme(data):
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x9A6C9329AC4BC9B5 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFFFFFFFFFF


# Check values from the CRC catalogue, so the generator itself is trustworthy.
assert crc32c(b"123456789") == 0xE3069283
assert crc64nvme(b"123456789") == 0xAE8B14860A799888


def checksum(name, data):
    if name == "crc32":
        raw = zlib.crc32(data).to_bytes(4, "big")
    elif name == "crc32c":
        raw = crc32c(data).to_bytes(4, "big")
    elif name == "crc64nvme":
        raw = crc64nvme(data).to_bytes(8, "big")
    elif name == "sha1":
        raw = hashlib.sha1(data).digest()
    elif name == "sha256":
        raw = hashlib.sha256(data).digest()
    else:
        raise ValueError(name)
    return base64.b64encode(raw).decode()


def hm(key, msg):
    return hmac.new(key, msg.encode() if isinstance(msg, str) else msg, hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    k = hm(("AWS4" + secret).encode(), date)
    k = hm(k, region)
    k = hm(k, service)
    return hm(k, "aws4_request")


def signed_body(payload, sizes, key, amz_date, scope, seed, trailer=None):
    body, prev, pos, sigs = b"", seed, 0, []
    for size in list(sizes) + [0]:
        data = payload[pos:pos + size]
        pos += size
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, EMPTY_SHA256,
                         hashlib.sha256(data).hexdigest()])
        prev = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        sigs.append(prev)
        body += b"%x;chunk-signature=%s\r\n" % (size, prev.encode()) + data
        if size or trailer is None:
            body += b"\r\n"
    if trailer:
        name, value = trailer
        canonical = f"{name}:{value}\n"
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev,
                         hashlib.sha256(canonical.encode()).hexdigest()])
        tsig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        sigs.append(tsig)
        body += f"{name}:{value}\r\nx-amz-trailer-signature:{tsig}\r\n\r\n".encode()
    assert pos == len(payload)
    return body, sigs


def unsigned_trailer_body(payload, sizes, algo):
    body, pos = b"", 0
    for size in sizes:
        body += b"%x\r\n" % size + payload[pos:pos + size] + b"\r\n"
        pos += size
    assert pos == len(payload)
    return body + f"0\r\nx-amz-checksum-{algo}:{checksum(algo, payload)}\r\n\r\n".encode()


def case(name, content_sha256, body, payload, signing=None, checksum_name="", extra=None):
    c = {"name": name, "content_sha256": content_sha256, "body_b64": base64.b64encode(body).decode(),
         "payload_b64": base64.b64encode(payload).decode(), "signing": signing,
         "checksum_name": checksum_name}
    if checksum_name:
        c["checksum_value"] = checksum(checksum_name, payload)
    c.update(extra or {})
    return c


def main():
    cases = []
    # The AWS documentation example.
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # the S3 examples' secret ('/' not '+')
    amz_date, scope = "20130524T000000Z", "20130524/us-east-1/s3/aws4_request"
    key = signing_key(secret, "20130524", "us-east-1", "s3")
    seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    signing = {"key_hex": key.hex(), "amz_date": amz_date, "scope": scope, "seed": seed}
    payload = b"a" * 66560
    body, sigs = signed_body(payload, [65536, 1024], key, amz_date, scope, seed)
    assert sigs == ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"], sigs
    cases.append(case("aws_doc_signed", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", body, payload, signing,
                      extra={"chunk_signatures": sigs}))

    payload = bytes(range(256)) * 40 + b"tail"
    body, sigs = signed_body(payload, [8192, 2048, 4], key, amz_date, scope, seed,
                             trailer=("x-amz-checksum-crc32c", checksum("crc32c", payload)))
    cases.append(case("signed_trailer_crc32c", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", body, payload,
                      signing, "crc32c", extra={"chunk_signatures": sigs}))

    payload = b"The quick brown fox jumps over the lazy dog\n" * 200
    for algo, sizes in [("crc32", [4096, 4096, len(payload) - 8192]), ("crc32c", [1000, len(payload) - 1000]),
                        ("crc64nvme", [len(payload)]), ("sha1", [7, 8000, len(payload) - 8007]),
                        ("sha256", [len(payload)])]:
        cases.append(case("unsigned_trailer_" + algo, "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                          unsigned_trailer_body(payload, sizes, algo), payload,
                          checksum_name=algo))

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "boto3_chunked.json")) as f:
        captured = json.load(f)
    for r in captured["requests"]:
        name = r["headers"]["x-amz-trailer"].removeprefix("x-amz-checksum-")
        cases.append({"name": "boto3_" + r["name"], "content_sha256": r["headers"]["x-amz-content-sha256"],
                      "body_b64": r["body_b64"], "payload_b64": r["payload_b64"], "signing": None,
                      "checksum_name": name,
                      "checksum_value": checksum(name, base64.b64decode(r["payload_b64"]))})

    print("// Generated by make_chunked_vectors.py. Do not edit.")
    print("#pragma once")
    print("// A char array, not a string_view: a constexpr strlen over this much text exceeds compiler limits.")
    print('inline constexpr char kAwsChunkedVectorsJson[] = R"stratus(')
    print(json.dumps(cases, indent=1))
    print(')stratus";')


if __name__ == "__main__":
    main()
