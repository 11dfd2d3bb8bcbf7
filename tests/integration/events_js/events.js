// EventBridge and Scheduler through the AWS SDK for JavaScript v3 (test_events_js.py):
//   node events.js ENDPOINT  -> one JSON line of what each step saw.
const { EventBridgeClient, PutRuleCommand, PutTargetsCommand, PutEventsCommand, DescribeRuleCommand,
        ListTargetsByRuleCommand } = require("@aws-sdk/client-eventbridge");
const { SchedulerClient, CreateScheduleCommand, GetScheduleCommand, ListSchedulesCommand } =
    require("@aws-sdk/client-scheduler");
const { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } =
    require("@aws-sdk/client-sqs");

const endpoint = process.argv[2];
const cfg = { endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
const ev = new EventBridgeClient(cfg), sch = new SchedulerClient(cfg), sqs = new SQSClient(cfg);

async function queue(name) {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] })))
      .Attributes.QueueArn;
  return { url, arn };
}

async function receive(url, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    if (out.Messages && out.Messages.length) return out.Messages[0].Body;
  }
  return null;
}

async function error(fn) {
  try {
    await fn();
    return null;
  } catch (e) {
    return { name: e.name, message: e.message, status: e.$metadata && e.$metadata.httpStatusCode };
  }
}

(async () => {
  const out = {};
  const q = await queue("js-events");
  const rule = await ev.send(new PutRuleCommand({ Name: "js-rule", EventPattern: JSON.stringify({ source: ["js.app"] }) }));
  out.ruleArn = rule.RuleArn;
  out.ruleState = (await ev.send(new DescribeRuleCommand({ Name: "js-rule" }))).State;
  const pt = await ev.send(new PutTargetsCommand({ Rule: "js-rule", Targets: [
    { Id: "q", Arn: q.arn, InputTransformer: { InputPathsMap: { n: "$.detail.n" }, InputTemplate: '{"got": <n>}' } }] }));
  out.putTargetsFailed = pt.FailedEntryCount;
  out.targets = (await ev.send(new ListTargetsByRuleCommand({ Rule: "js-rule" }))).Targets.map((t) => t.Id);
  const pe = await ev.send(new PutEventsCommand({ Entries: [
    { Source: "js.app", DetailType: "t", Detail: JSON.stringify({ n: 42 }) },
    { Source: "js.app", DetailType: "t" }] }));
  out.putEvents = { failed: pe.FailedEntryCount, codes: pe.Entries.map((e) => e.ErrorCode || (e.EventId ? "ok" : "")) };
  out.delivered = await receive(q.url, 10);
  out.badPattern = await error(() => ev.send(new PutRuleCommand({ Name: "bad", EventPattern: "{\"source\": \"x\"}" })));

  const s = await queue("js-schedules");
  const at = new Date(Date.now() + 2000).toISOString().slice(0, 19);
  const created = await sch.send(new CreateScheduleCommand({
    Name: "js-once", ScheduleExpression: `at(${at})`, FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: s.arn, RoleArn: "arn:aws:iam::000000000000:role/js-scheduler", Input: '{"from":"<aws.scheduler.schedule-arn>"}' } }));
  out.scheduleArn = created.ScheduleArn;
  const got = await sch.send(new GetScheduleCommand({ Name: "js-once" }));
  out.schedule = { expression: got.ScheduleExpression, group: got.GroupName, state: got.State };
  out.listed = (await sch.send(new ListSchedulesCommand({ NamePrefix: "js-" }))).Schedules.map((x) => x.Name);
  out.fired = await receive(s.url, 15);
  out.missing = await error(() => sch.send(new GetScheduleCommand({ Name: "nope" })));
  out.conflict = await error(() => sch.send(new CreateScheduleCommand({
    Name: "js-once", ScheduleExpression: `at(${at})`, FlexibleTimeWindow: { Mode: "OFF" },
    Target: { Arn: s.arn, RoleArn: "arn:aws:iam::000000000000:role/js-scheduler" } })));
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.log(JSON.stringify({ error: `${e.name}: ${e.message}` }));
});
