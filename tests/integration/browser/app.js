// A web page's script using the AWS SDK for JavaScript v3 against Stratus, as a browser
// application would: DynamoDB (JSON 1.0, answers gzip-compressed since browsers accept it) and SQS
// (JSON 1.0 with the Query-compatible error header). The endpoint comes from ?endpoint=; the
// result is written as JSON into <pre id="result" data-state="done|error">.
import {
  CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient,
} from "@aws-sdk/client-sqs";

const params = new URLSearchParams(location.search);
const config = {
  endpoint: params.get("endpoint"),
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
};

async function run() {
  const out = { origin: location.origin };
  const ddb = new DynamoDBClient(config);
  await ddb.send(new CreateTableCommand({
    TableName: "browser-notes",
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
  }));
  await ddb.send(new PutItemCommand({
    TableName: "browser-notes",
    Item: { id: { S: "n1" }, text: { S: "written from a browser" }, big: { S: "x".repeat(20000) } },
  }));
  const got = await ddb.send(new GetItemCommand({ TableName: "browser-notes", Key: { id: { S: "n1" } } }));
  out.item = got.Item.text.S;
  out.bigLength = got.Item.big.S.length;
  const listed = await ddb.send(new ListTablesCommand({}));
  out.tables = listed.TableNames;
  out.requestId = listed.$metadata.requestId;  // read from x-amzn-RequestId: an exposed header
  try {
    await ddb.send(new DescribeTableCommand({ TableName: "no-such-table" }));
    out.missingTable = "found?";
  } catch (e) {
    out.missingTable = e.name;
    out.missingTableStatus = e.$metadata.httpStatusCode;
  }

  const sqs = new SQSClient(config);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "browser-jobs" }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hello from the page" }));
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
  out.message = received.Messages[0].Body;
  try {
    await sqs.send(new GetQueueUrlCommand({ QueueName: "no-such-queue" }));
    out.missingQueue = "found?";
  } catch (e) {
    out.missingQueue = e.name;
  }
  return out;
}

const result = document.getElementById("result");
run().then(
  (out) => {
    result.textContent = JSON.stringify(out);
    result.dataset.state = "done";
  },
  (e) => {
    result.textContent = JSON.stringify({ error: String(e && e.name), message: String(e && e.message) });
    result.dataset.state = "error";
  },
);
