// SQS's message flow (State) without HTTP: send, receive with receipt handles, visibility,
// delete, long polls served by a later send, and FIFO deduplication.
#include "services/sqs/state.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "core/clock.h"

namespace stratus::sqs {
namespace {

struct SqsState : ::testing::Test {
  std::unique_ptr<storage::Engine> engine = storage::open_memory();
  Scheduler sched{"sqs-test"};
  State state;

  void SetUp() override { state.start(*engine, sched); }
  void TearDown() override { sched.stop(); }

  QueuePtr create(const std::string& name, bool fifo = false) {
    auto made = state.store.create(queue_key("000000000000", "us-east-1", name), now_millis(), [&] {
      auto q = std::make_shared<Queue>();
      q->account = "000000000000";
      q->region = "us-east-1";
      q->name = name;
      q->uid = std::string(16 - std::min<size_t>(name.size(), 16), 'u') + name.substr(0, 16);
      q->arn = "arn:aws:sqs:us-east-1:000000000000:" + name;
      q->fifo = fifo;
      q->attributes = {{"VisibilityTimeout", "30"}};
      if (fifo) q->cfg.content_based_dedup = true;
      return q;
    });
    return made.first;
  }

  SendOutcome send(const QueuePtr& q, const std::string& body, const std::string& group = {}) {
    SendInput in;
    in.body = body;
    in.group_id = group;
    return state.send_one(q, std::move(in));
  }

  Doc receive(const QueuePtr& q, const Doc& request) {
    std::promise<Result<Doc>> answer;
    auto got = answer.get_future();
    state.receive_from(q, parse_receive(request), [&](Result<Doc> r) { answer.set_value(std::move(r)); });
    EXPECT_EQ(got.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    Result<Doc> r = got.get();
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : Doc::map();
  }
};

Doc request(int max, int wait = 0) {
  Doc d = Doc::map();
  d.set("MaxNumberOfMessages", int64_t{max});
  d.set("WaitTimeSeconds", int64_t{wait});
  return d;
}

TEST_F(SqsState, SendReceiveDelete) {
  QueuePtr q = create("work");
  send(q, "one");
  send(q, "two");
  Doc got = receive(q, request(10));
  ASSERT_EQ(got.get("Messages")->size(), 2u);
  const Doc& first = got.get("Messages")->as_list()[0];
  EXPECT_EQ(first.str("Body"), "one");
  EXPECT_EQ(first.str("MD5OfBody"), md5_hex("one"));
  // Received messages are invisible until their visibility timeout passes.
  EXPECT_FALSE(receive(q, request(10)).has("Messages"));

  storage::WriteBatch b;
  state.delete_one(*q, first.str("ReceiptHandle"), b);
  ASSERT_TRUE(state.store.write(b).ok());
  {
    std::lock_guard lk(q->mu);
    EXPECT_EQ(q->messages.size(), 1u);
  }
  // A handle of another queue, or not a handle at all, is ReceiptHandleIsInvalid.
  storage::WriteBatch none;
  EXPECT_THROW(state.delete_one(*q, "garbage", none), AwsError);
}

TEST_F(SqsState, VisibilityZeroMakesAMessageVisibleAgain) {
  QueuePtr q = create("vis");
  send(q, "m");
  Doc got = receive(q, request(1));
  std::string handle = got.get("Messages")->as_list()[0].str("ReceiptHandle");
  storage::WriteBatch b;
  bool woke = false;
  state.change_one(*q, handle, 0, b, woke);
  ASSERT_TRUE(state.store.write(b).ok());
  Doc again = receive(q, request(1));
  ASSERT_TRUE(again.has("Messages"));
  EXPECT_NE(again.get("Messages")->as_list()[0].str("ReceiptHandle"), handle);  // a new receive, a new handle
  // The old handle no longer changes anything.
  storage::WriteBatch b2;
  EXPECT_THROW(state.change_one(*q, handle, 10, b2, woke), AwsError);
}

TEST_F(SqsState, LongPollIsServedByALaterSend) {
  QueuePtr q = create("poll");
  std::promise<Result<Doc>> answer;
  auto got = answer.get_future();
  state.receive_from(q, parse_receive(request(1, 5)), [&](Result<Doc> r) { answer.set_value(std::move(r)); });
  EXPECT_EQ(got.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  send(q, "late");
  ASSERT_EQ(got.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  Result<Doc> r = got.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().get("Messages")->as_list()[0].str("Body"), "late");
}

TEST_F(SqsState, FifoDeduplicatesAndChecksGroups) {
  QueuePtr q = create("f.fifo", true);
  SendOutcome a = send(q, "same", "g");
  SendOutcome b = send(q, "same", "g");  // content-based dedup: the first send's id
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_EQ(a.sequence_number, b.sequence_number);
  EXPECT_THROW(send(q, "no group"), AwsError);  // MessageGroupId is required
}

TEST_F(SqsState, SizeLimitIsTheQueuesOrSqsMaximumForDeliveries) {
  QueuePtr q = create("small");
  q->cfg.maximum_message_size = 1024;
  EXPECT_THROW(send(q, std::string(1025, 'x')), AwsError);
  SendInput in;
  in.body = std::string(2048, 'x');
  in.queue_size_limit = false;  // an SNS delivery: only SQS's 1 MiB applies
  EXPECT_FALSE(state.send_one(q, std::move(in)).duplicate);
  SendInput big;
  big.body = std::string(1048577, 'x');
  big.queue_size_limit = false;
  EXPECT_THROW(state.send_one(q, std::move(big)), AwsError);
}

TEST_F(SqsState, ReceiveAcceptsMessageAttributeNamesOutsideTheEnums) {
  QueuePtr q = create("names");
  send(q, "b");
  Doc d = Doc::map();
  Doc names = Doc::list();
  names.push("SentTimestamp");
  names.push("Policy");
  names.push("NoSuchName");
  d.set("AttributeNames", names);
  d.set("VisibilityTimeout", int64_t{0});
  Doc out = receive(q, d);
  const Doc& m = out.get("Messages")->as_list().at(0);
  ASSERT_TRUE(m.get("Attributes"));
  EXPECT_EQ(m.get("Attributes")->size(), 1u);
  EXPECT_TRUE(m.get("Attributes")->has("SentTimestamp"));
}

TEST_F(SqsState, BadReceiveInputIsRefused) {
  Doc d = Doc::map();
  d.set("MaxNumberOfMessages", int64_t{11});
  EXPECT_THROW(parse_receive(d), AwsError);
}

TEST_F(SqsState, ResetRetiresQueuesAndTheirWaiters) {
  QueuePtr q = create("gone");
  std::promise<Result<Doc>> answer;
  state.receive_from(q, parse_receive(request(1, 20)), [&](Result<Doc> r) { answer.set_value(std::move(r)); });
  state.reset();
  auto got = answer.get_future();
  ASSERT_EQ(got.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(got.get().value().has("Messages"));  // an empty answer
  EXPECT_EQ(state.store.by_arn(q->arn), nullptr);
}

}  // namespace
}  // namespace stratus::sqs
