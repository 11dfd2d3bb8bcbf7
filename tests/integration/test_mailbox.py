"""The mailbox from the terminal (`stratus mailbox`: --endpoint, --to, --since, --clear) and the
SMTP relay (`serve --smtp-relay HOST:PORT` / STRATUS_SMTP_RELAY): every email in the mailbox is
also handed to a real SMTP server (here a small socket SMTP sink on loopback), retried until the
server takes it."""
import email
import os
import socket
import subprocess
import threading
import time
import unittest

from harness import Stratus, free_port, stratus_bin


class SmtpSink:
    """A tiny SMTP server on 127.0.0.1 that keeps what it receives. `reject` answers 451 to
    MAIL FROM for that many connections first (to exercise retries)."""

    def __init__(self, port=None, reject=0):
        self.port = port or free_port()
        self.messages = []  # (mail_from, rcpt_to, data)
        self.reject = reject
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    self.session(conn)
                except OSError:
                    pass

    def session(self, conn):
        f = conn.makefile("rb")
        conn.sendall(b"220 sink ESMTP\r\n")
        mail_from, rcpt, data = None, [], None
        while True:
            line = f.readline()
            if not line:
                return
            cmd = line.decode().strip()
            upper = cmd.upper()
            if upper.startswith("EHLO") or upper.startswith("HELO"):
                conn.sendall(b"250-sink\r\n250 8BITMIME\r\n")
            elif upper.startswith("MAIL FROM:"):
                with self.lock:
                    if self.reject > 0:
                        self.reject -= 1
                        conn.sendall(b"451 try again later\r\n")
                        continue
                mail_from = cmd[10:].strip().strip("<>")
                conn.sendall(b"250 ok\r\n")
            elif upper.startswith("RCPT TO:"):
                rcpt.append(cmd[8:].strip().strip("<>"))
                conn.sendall(b"250 ok\r\n")
            elif upper == "DATA":
                conn.sendall(b"354 go ahead\r\n")
                lines = []
                while True:
                    l = f.readline()
                    if l in (b".\r\n", b""):
                        break
                    lines.append(l[1:] if l.startswith(b"..") else l)
                data = b"".join(lines)
                with self.lock:
                    self.messages.append((mail_from, rcpt, data))
                conn.sendall(b"250 queued\r\n")
            elif upper == "QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"502 no\r\n")

    def wait(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)

    def close(self):
        self.stopping = True
        self.thread.join()
        self.sock.close()


def cli(*args, check=True):
    cp = subprocess.run([stratus_bin(), "mailbox", *args], capture_output=True, text=True, timeout=30)
    if check and cp.returncode != 0:
        raise AssertionError(f"stratus mailbox {args} failed: {cp.stderr}")
    return cp


class MailboxCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stratus = Stratus().start()
        cls.sns = cls.stratus.client("sns")

    @classmethod
    def tearDownClass(cls):
        cls.stratus.cleanup()

    def test_print_filter_and_clear(self):
        ep = self.stratus.endpoint
        cli("--endpoint", ep, "--clear")
        self.assertIn("empty", cli("--endpoint", ep).stdout)
        self.sns.publish(PhoneNumber="+15550000001", Message="Your code is 111111")
        time.sleep(0.01)
        middle = int(time.time() * 1000)
        time.sleep(0.01)
        self.sns.publish(PhoneNumber="+15550000002", Message="Your code is 222222")
        out = cli("--endpoint", ep).stdout
        self.assertIn("Your code is 111111", out)
        self.assertIn("Your code is 222222", out)
        self.assertIn("sms → +15550000001", out)
        self.assertIn("2 message(s)", out)
        only = cli("--endpoint", ep, "--to", "+15550000002").stdout
        self.assertNotIn("111111", only)
        self.assertIn("222222", only)
        since = cli("--endpoint", ep, "--since", str(middle)).stdout
        self.assertNotIn("111111", since)
        self.assertIn("222222", since)
        self.assertIn('"messages"', cli("--endpoint", ep, "--json").stdout)
        self.assertIn("deleted 1", cli("--endpoint", ep, "--clear", "--to", "+15550000001").stdout)
        rest = cli("--endpoint", ep).stdout
        self.assertNotIn("111111", rest)
        self.assertIn("222222", rest)
        bad = cli("--endpoint", ep, "--since", "yesterday-ish", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("since", bad.stderr)

    def test_default_endpoint_and_unreachable_server(self):
        # Nothing listens on this port: a clear error, not a hang or a crash.
        cp = cli("--endpoint", f"http://127.0.0.1:{free_port()}", check=False)
        self.assertEqual(cp.returncode, 1)
        self.assertIn("stratus serve", cp.stderr)


class SmtpRelay(unittest.TestCase):
    def setUp(self):
        self.sink = SmtpSink(reject=1)
        self.stratus = Stratus("--smtp-relay", f"127.0.0.1:{self.sink.port}").start()

    def tearDown(self):
        self.stratus.cleanup()
        self.sink.close()

    def test_emails_are_relayed_with_retry(self):
        sns = self.stratus.client("sns")
        arn = sns.create_topic(Name="relay", Attributes={"DisplayName": "Shop"})["TopicArn"]
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="orders@example.com")
        sns.publish(PhoneNumber="+15550000003", Message="not an email")  # SMS: not relayed
        got = self.sink.wait(1)  # the first attempt was refused with 451: this is the retry
        self.assertEqual(len(got), 1)
        mail_from, rcpt, data = got[0]
        self.assertEqual(mail_from, "no-reply@sns.amazonaws.com")
        self.assertEqual(rcpt, ["orders@example.com"])
        msg = email.message_from_bytes(data)
        self.assertEqual(msg["Subject"], "AWS Notification - Subscription Confirmation")
        self.assertEqual(msg["To"], "orders@example.com")
        self.assertIn("Action=ConfirmSubscription", msg.get_payload())
        time.sleep(0.5)
        self.assertEqual(len(self.sink.messages), 1)  # the SMS stayed in the mailbox only


class SmtpRelayFromEnvironment(unittest.TestCase):
    def test_env_var_and_relay_after_restart(self):
        port = free_port()
        s = Stratus(env={"STRATUS_SMTP_RELAY": f"127.0.0.1:{port}"}).start()
        try:
            sns = s.client("sns")
            arn = sns.create_topic(Name="later")["TopicArn"]
            # No SMTP server yet: the email waits in the relay queue (durably) ...
            sns.subscribe(TopicArn=arn, Protocol="email-json", Endpoint="dev@example.com")
            time.sleep(0.3)
            s.kill9()
            sink = SmtpSink(port=port)
            try:
                s.start()  # ... and goes out once the server is there, after a kill -9 too
                got = sink.wait(1)
                self.assertEqual(len(got), 1)
                self.assertEqual(got[0][1], ["dev@example.com"])
                self.assertIn(b"SubscriptionConfirmation", got[0][2])
            finally:
                sink.close()
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
