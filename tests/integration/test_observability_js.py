"""CloudWatch, SES (v1 and v2) and CloudWatch Logs through the AWS SDK for JavaScript v3
(@aws-sdk/client-cloudwatch, -ses, -sesv2, -cloudwatch-logs pinned in observability_js/, installed with
npm on first use or by tools/deps.sh): metrics, statistics, metric math, an alarm that fires, the
SDK's error names; sending through both SES APIs into the mailbox; log groups, events and filters."""
import json
import os
import subprocess
import unittest
import urllib.parse
import urllib.request

from harness import StratusTestCase, npm_folder

os.environ.setdefault("STRATUS_CLOUDWATCH_EVAL_MS", "250")
NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "observability_js")


def node_sdk():
    """The directory holding the pinned clients (npm install on first use), or None."""
    return npm_folder(NODE_DIR, "@aws-sdk/client-sesv2")


SCRIPT = r"""
const cw = require("@aws-sdk/client-cloudwatch");
const ses = require("@aws-sdk/client-ses");
const sesv2 = require("@aws-sdk/client-sesv2");
const logs = require("@aws-sdk/client-cloudwatch-logs");
const cfg = { endpoint: process.env.ENDPOINT, region: "us-east-1",
              credentials: { accessKeyId: "test", secretAccessKey: "test" } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const errName = async (p) => { try { await p; return null; } catch (e) { return e.name; } };
// awsQuery-compatible services (CloudWatch): the SDK's error class, and the Query code it reads
// from x-amzn-query-error (what code written for the Query protocol compares).
const errCode = async (p) => { try { await p; return null; } catch (e) { return [e.name, e.Code]; } };
(async () => {
  const out = {};
  // ---- CloudWatch, in each protocol the model lists (the client's default, awsJson1_0 with
  // awsQueryCompatible in this version; smithy-rpc-v2-cbor, which newer clients default to; awsQuery) ----
  const protocols = require("@aws-sdk/core/protocols");
  const runCloudWatch = async (name, protocol) => {
    const c = new cw.CloudWatchClient(protocol ? { ...cfg, protocol } : cfg);
    const ns = "JsBank-" + name, alarmName = "js-errors-" + name;
    const o = { wire: new Set() };
    c.middlewareStack.add((next) => async (args) => {
      o.wire.add(String(args.request.headers["content-type"] || "").split(";")[0]);
      return next(args);
    }, { step: "finalizeRequest" });
    const minute = Math.floor(Date.now() / 60000) * 60000;
    const closed = new Date(minute - 30000);  // the last closed minute: alarms evaluate closed periods
    const dims = [{ Name: "Service", Value: "payments" }];
    await c.send(new cw.PutMetricDataCommand({ Namespace: ns, MetricData: [
      { MetricName: "Latency", Dimensions: dims, Timestamp: closed, Values: [10, 20, 30], Counts: [1, 2, 1],
        Unit: "Milliseconds" },
      { MetricName: "Errors", Dimensions: dims, Timestamp: closed, Value: 3, Unit: "Count" }] }));
    const stats = await c.send(new cw.GetMetricStatisticsCommand({ Namespace: ns, MetricName: "Latency",
      Dimensions: dims, StartTime: new Date(minute - 600000), EndTime: new Date(minute + 60000), Period: 60,
      Statistics: ["Sum", "SampleCount", "Maximum"], ExtendedStatistics: undefined }));
    const dp = stats.Datapoints[0];
    o.stats = { sum: dp.Sum, count: dp.SampleCount, max: dp.Maximum, unit: dp.Unit,
                  ts: dp.Timestamp instanceof Date };
    const md = await c.send(new cw.GetMetricDataCommand({ StartTime: new Date(minute - 600000),
      EndTime: new Date(minute + 60000), MetricDataQueries: [
        { Id: "l", MetricStat: { Metric: { Namespace: ns, MetricName: "Latency", Dimensions: dims },
                                 Period: 60, Stat: "Average" }, ReturnData: false },
        { Id: "doubled", Expression: "l * 2", Label: "Twice" }] }));
    o.math = { id: md.MetricDataResults[0].Id, label: md.MetricDataResults[0].Label,
                 values: md.MetricDataResults[0].Values };
    const lm = await c.send(new cw.ListMetricsCommand({ Namespace: ns }));
    o.metrics = lm.Metrics.map((m) => m.MetricName).sort();
    await c.send(new cw.PutMetricAlarmCommand({ AlarmName: alarmName, Namespace: ns, MetricName: "Errors",
      Dimensions: dims, Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold" }));
    let alarm;
    for (let i = 0; i < 100; i++) {
      alarm = (await c.send(new cw.DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms[0];
      if (alarm.StateValue === "ALARM") break;
      await sleep(100);
    }
    o.alarm = { state: alarm.StateValue, reason: alarm.StateReason,
                  updated: alarm.StateUpdatedTimestamp instanceof Date };
    o.cwErrors = {
      reserved: await errCode(c.send(new cw.PutMetricDataCommand({ Namespace: "AWS/Mine",
                                                                   MetricData: [{ MetricName: "m", Value: 1 }] }))),
      missingAlarm: await errCode(c.send(new cw.DeleteAlarmsCommand({ AlarmNames: ["nope"] }))),
      badPeriod: await errCode(c.send(new cw.PutMetricAlarmCommand({ AlarmName: "bad", Namespace: ns,
        MetricName: "Errors", Statistic: "Sum", Period: 7, EvaluationPeriods: 1, Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold" }))),
    };
    o.wire = [...o.wire];
    return o;
  };
  out.cw = {
    json: await runCloudWatch("json"),
    cbor: await runCloudWatch("cbor", protocols.AwsSmithyRpcV2CborProtocol),
    query: await runCloudWatch("query", protocols.AwsQueryProtocol),
  };
  // ---- SES v1 and v2 ----
  const s1 = new ses.SESClient(cfg);
  const s2 = new sesv2.SESv2Client(cfg);
  await s2.send(new sesv2.CreateEmailIdentityCommand({ EmailIdentity: "js-bank.test" }));
  const ident = await s2.send(new sesv2.GetEmailIdentityCommand({ EmailIdentity: "js-bank.test" }));
  out.identity = { type: ident.IdentityType, verified: ident.VerifiedForSendingStatus };
  const r2 = await s2.send(new sesv2.SendEmailCommand({ FromEmailAddress: "alerts@js-bank.test",
    Destination: { ToAddresses: ["success+js2@simulator.amazonses.com"] },
    Content: { Simple: { Subject: { Data: "v2 from js" }, Body: { Text: { Data: "Hello v2" },
                                                                   Html: { Data: "<p>Hello v2</p>" } } } } }));
  out.v2MessageId = r2.MessageId;
  const r1 = await s1.send(new ses.SendEmailCommand({ Source: "alerts@js-bank.test",
    Destination: { ToAddresses: ["success+js1@simulator.amazonses.com"] },
    Message: { Subject: { Data: "v1 from js" }, Body: { Text: { Data: "Hello v1" } } } }));
  out.v1MessageId = r1.MessageId;
  const ids = await s1.send(new ses.ListIdentitiesCommand({}));
  out.identities = ids.Identities;
  const quota = await s1.send(new ses.GetSendQuotaCommand({}));
  out.quota = quota.Max24HourSend;
  out.sesErrors = {
    unverified: await errName(s1.send(new ses.SendEmailCommand({ Source: "x@nowhere.test",
      Destination: { ToAddresses: ["success@simulator.amazonses.com"] },
      Message: { Subject: { Data: "s" }, Body: { Text: { Data: "b" } } } }))),
    v2Unverified: await errName(s2.send(new sesv2.SendEmailCommand({ FromEmailAddress: "x@nowhere.test",
      Destination: { ToAddresses: ["success@simulator.amazonses.com"] },
      Content: { Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "b" } } } } }))),
    noTemplate: await errName(s1.send(new ses.GetTemplateCommand({ TemplateName: "missing" }))),
    v2NoIdentity: await errName(s2.send(new sesv2.GetEmailIdentityCommand({ EmailIdentity: "no.test" }))),
  };
  // ---- CloudWatch Logs ----
  const l = new logs.CloudWatchLogsClient(cfg);
  await l.send(new logs.CreateLogGroupCommand({ logGroupName: "/js/app" }));
  await l.send(new logs.CreateLogStreamCommand({ logGroupName: "/js/app", logStreamName: "s1" }));
  const now = Date.now();
  await l.send(new logs.PutLogEventsCommand({ logGroupName: "/js/app", logStreamName: "s1", logEvents: [
    { timestamp: now - 2, message: "INFO started" }, { timestamp: now - 1, message: "ERROR payment failed" }] }));
  const ev = await l.send(new logs.GetLogEventsCommand({ logGroupName: "/js/app", logStreamName: "s1",
                                                         startFromHead: true }));
  out.logEvents = ev.events.map((e) => e.message);
  const f = await l.send(new logs.FilterLogEventsCommand({ logGroupName: "/js/app", filterPattern: "ERROR" }));
  out.filtered = f.events.map((e) => e.message);
  const groups = await l.send(new logs.DescribeLogGroupsCommand({ logGroupNamePrefix: "/js/" }));
  out.groups = groups.logGroups.map((g) => g.logGroupName);
  out.logsErrors = {
    missing: await errName(l.send(new logs.GetLogEventsCommand({ logGroupName: "/js/none", logStreamName: "s" }))),
    exists: await errName(l.send(new logs.CreateLogGroupCommand({ logGroupName: "/js/app" }))),
  };
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@unittest.skipUnless(node_sdk(), "node/npm or the pinned @aws-sdk clients missing")
class TestObservabilityJsSdk(StratusTestCase):
    def mailbox(self, recipient):
        url = self.stratus.endpoint + "/_stratus/mailbox?recipient=" + urllib.parse.quote(recipient)
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.loads(r.read())["messages"]

    def test_cloudwatch_ses_logs(self):
        env = dict(os.environ, ENDPOINT=self.stratus.endpoint)
        cp = subprocess.run(["node", "-e", SCRIPT], cwd=NODE_DIR, capture_output=True, text=True, env=env,
                            timeout=120)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        out = json.loads(cp.stdout.strip().splitlines()[-1])
        for proto, cw in out["cw"].items():
            with self.subTest(protocol=proto):
                self.assertEqual(cw["wire"], [{"json": "application/x-amz-json-1.0", "cbor": "application/cbor",
                                               "query": "application/x-www-form-urlencoded"}[proto]])
                self.assertEqual(cw["stats"], {"sum": 80, "count": 4, "max": 30, "unit": "Milliseconds", "ts": True})
                self.assertEqual(cw["math"], {"id": "doubled", "label": "Twice", "values": [40]})
                self.assertEqual(cw["metrics"], ["Errors", "Latency"])
                self.assertEqual(cw["alarm"]["state"], "ALARM")
                self.assertTrue(cw["alarm"]["updated"])
                self.assertIn("1 out of the last 1 datapoints [3.0", cw["alarm"]["reason"])
                self.assertEqual(cw["cwErrors"], {
                    "reserved": ["InvalidParameterValueException", "InvalidParameterValue"],
                    "missingAlarm": ["ResourceNotFound", "ResourceNotFound"],
                    "badPeriod": ["ValidationException", "ValidationError"]})
        self.assertEqual(out["identity"], {"type": "DOMAIN", "verified": True})
        self.assertIn("js-bank.test", out["identities"])
        self.assertEqual(out["quota"], 200)
        self.assertEqual(out["sesErrors"], {"unverified": "MessageRejected", "v2Unverified": "MessageRejected",
                                            "noTemplate": "TemplateDoesNotExistException",
                                            "v2NoIdentity": "NotFoundException"})
        m2 = [m for m in self.mailbox("success+js2@simulator.amazonses.com") if m["source"] == "ses:" + out["v2MessageId"]]
        self.assertEqual(m2[0]["subject"], "v2 from js")
        m1 = [m for m in self.mailbox("success+js1@simulator.amazonses.com") if m["source"] == "ses:" + out["v1MessageId"]]
        self.assertEqual((m1[0]["subject"], m1[0]["body"].strip()), ("v1 from js", "Hello v1"))
        self.assertEqual(out["logEvents"], ["INFO started", "ERROR payment failed"])
        self.assertEqual(out["filtered"], ["ERROR payment failed"])
        self.assertEqual(out["groups"], ["/js/app"])
        self.assertEqual(out["logsErrors"], {"missing": "ResourceNotFoundException",
                                             "exists": "ResourceAlreadyExistsException"})


if __name__ == "__main__":
    unittest.main()
