// SQS's message move tasks as stored: records read back, a restart keeps the newest 10 per
// source and resumes the running ones, and one task at a time runs per source.
#include "services/sqs/move_tasks.h"

#include <gtest/gtest.h>

#include "services/sqs/store.h"

namespace stratus::sqs {
namespace {

MoveTaskPtr task(const std::string& id, const std::string& source, int64_t started, const char* status = "RUNNING") {
  auto t = std::make_shared<MoveTask>();
  t->id = id;
  t->handle = "h-" + id;
  t->source_arn = source;
  t->dest_arn = "arn:aws:sqs:us-east-1:000000000000:dest";
  t->rate = 50;
  t->status = status;
  t->moved = 3;
  t->to_move = 7;
  t->started_ms = started;
  return t;
}

TEST(SqsMoveTasks, RecordsReadBack) {
  auto t = task("t1", "arn:aws:sqs:us-east-1:000000000000:dlq", 1234, "FAILED");
  t->failure = "CouldNotDetermineMessageSource";
  MoveTask back;
  MoveTasks::read_record(MoveTasks::record(*t), back);
  EXPECT_EQ(back.handle, t->handle);
  EXPECT_EQ(back.source_arn, t->source_arn);
  EXPECT_EQ(back.dest_arn, t->dest_arn);
  EXPECT_EQ(back.rate, 50);
  EXPECT_EQ(back.status, "FAILED");
  EXPECT_EQ(back.moved, 3);
  EXPECT_EQ(back.to_move, 7);
  EXPECT_EQ(back.started_ms, 1234);
  EXPECT_EQ(back.failure, t->failure);
  EXPECT_THROW(MoveTasks::read_record("not json", back), std::exception);
}

TEST(SqsMoveTasks, LoadKeepsNewestTenPerSourceAndReturnsRunning) {
  auto engine = storage::open_memory();
  const std::string a = "arn:aws:sqs:us-east-1:000000000000:a", b = "arn:aws:sqs:us-east-1:000000000000:b";
  for (int i = 0; i < 12; ++i) {
    auto t = task("x", a, 100 + i, "COMPLETED");
    ASSERT_TRUE(engine->put(kTasksKs, "a" + std::to_string(i), MoveTasks::record(*t)).ok());
  }
  ASSERT_TRUE(engine->put(kTasksKs, "b0", MoveTasks::record(*task("x", b, 50))).ok());
  ASSERT_TRUE(engine->put(kTasksKs, "broken", "{").ok());
  MoveTasks tasks;
  tasks.open(*engine);
  storage::WriteBatch drop;
  auto running = tasks.load(drop);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0]->id, "b0");
  EXPECT_EQ(drop.ops().size(), 3u);  // the two oldest of a, and the unreadable record
  Doc listed = tasks.results(a, 10);
  ASSERT_EQ(listed.size(), 10u);
  EXPECT_EQ(listed.as_list()[0].integer("StartedTimestamp"), 111);  // newest first
  EXPECT_FALSE(listed.as_list()[0].has("TaskHandle"));               // only running tasks show it
  EXPECT_EQ(tasks.results(a, 1).size(), 1u);
}

TEST(SqsMoveTasks, OneRunningTaskPerSourceAndCancel) {
  auto engine = storage::open_memory();
  MoveTasks tasks;
  tasks.open(*engine);
  const std::string src = "arn:aws:sqs:us-east-1:000000000000:dlq";
  auto code = [](auto&& fn) {
    try {
      fn();
      return std::string();
    } catch (const AwsError& e) {
      return e.code;
    }
  };
  tasks.begin(task("t1", src, 1));
  EXPECT_EQ(code([&] { tasks.begin(task("t2", src, 2)); }), "InvalidParameterValue");
  std::string raw;
  EXPECT_TRUE(engine->get(kTasksKs, "t1", &raw).ok());

  EXPECT_EQ(code([&] { tasks.cancel("nope", src); }), "ResourceNotFoundException");
  EXPECT_EQ(code([&] { tasks.cancel("t1", "other"); }), "ResourceNotFoundException");
  EXPECT_EQ(tasks.cancel("t1", src).integer("ApproximateNumberOfMessagesMoved"), 3);
  EXPECT_EQ(code([&] { tasks.cancel("t1", src); }), "UnsupportedOperation");
  EXPECT_EQ(tasks.results(src, 10).as_list()[0].str("Status"), "CANCELLED");
  EXPECT_EQ(code([&] { tasks.begin(task("t3", src, 3)); }), "");  // none running any more

  tasks.reset();
  EXPECT_EQ(tasks.results(src, 10).size(), 0u);
}

}  // namespace
}  // namespace stratus::sqs
