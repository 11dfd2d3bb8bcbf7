#include "events/queue.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>

#include "core/clock.h"
#include "core/thread.h"

namespace stratus::events {
namespace {

constexpr std::string_view kPending = "events.pending";
constexpr std::string_view kSchedules = "events.schedules";
constexpr uint8_t kVersion = 1;
// How long to wait before touching storage again after it failed under the dispatcher.
constexpr int64_t kStorageRetryMs = 1000;

// --- Record encoding: fixed-width big-endian integers and length-prefixed strings. ---

void put_u64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool u64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v = (*v << 8) | static_cast<unsigned char>(in_[i]);
    in_.remove_prefix(8);
    return true;
  }
  bool u32(uint32_t* v) {
    if (in_.size() < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) *v = (*v << 8) | static_cast<unsigned char>(in_[i]);
    in_.remove_prefix(4);
    return true;
  }
  bool u8(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<unsigned char>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool str(std::string* s) {
    uint32_t n;
    if (!u32(&n) || in_.size() < n) return false;
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// A stored delivery.
struct Record {
  uint32_t attempt = 0;
  std::string topic, payload;
  std::string schedule;  // empty unless a schedule occurrence
  uint64_t generation = 0;
};

std::string encode(const Record& r) {
  std::string out(1, static_cast<char>(kVersion));
  put_u32(out, r.attempt);
  put_str(out, r.topic);
  put_str(out, r.payload);
  put_str(out, r.schedule);
  put_u64(out, r.generation);
  return out;
}

bool decode(std::string_view in, Record* r) {
  Reader rd(in);
  uint8_t v;
  return rd.u8(&v) && v == kVersion && rd.u32(&r->attempt) && rd.str(&r->topic) &&
         rd.str(&r->payload) && rd.str(&r->schedule) && rd.u64(&r->generation) && rd.done();
}

// A stored schedule. The generation changes whenever the schedule is (re)defined, so
// occurrences of an older definition recognise that they are stale and end their chain.
struct ScheduleRecord {
  std::string topic, payload;
  int64_t every_ms = 0;
  uint64_t generation = 0;
};

std::string encode(const ScheduleRecord& r) {
  std::string out(1, static_cast<char>(kVersion));
  put_str(out, r.topic);
  put_str(out, r.payload);
  put_u64(out, static_cast<uint64_t>(r.every_ms));
  put_u64(out, r.generation);
  return out;
}

bool decode(std::string_view in, ScheduleRecord* r) {
  Reader rd(in);
  uint8_t v;
  uint64_t every = 0;
  bool ok = rd.u8(&v) && v == kVersion && rd.str(&r->topic) && rd.str(&r->payload) &&
            rd.u64(&every) && rd.u64(&r->generation) && rd.done();
  r->every_ms = static_cast<int64_t>(every);
  return ok;
}

// Bytewise order of the key is (due, seq) order: due times are non-negative epoch millis.
std::string pending_key(int64_t due_ms, uint64_t seq) {
  std::string k;
  put_u64(k, static_cast<uint64_t>(due_ms));
  put_u64(k, seq);
  return k;
}

bool parse_pending_key(std::string_view k, int64_t* due_ms, uint64_t* seq) {
  Reader rd(k);
  uint64_t due;
  if (!rd.u64(&due) || !rd.u64(seq) || !rd.done()) return false;
  *due_ms = static_cast<int64_t>(due);
  return true;
}

}  // namespace

int64_t backoff_ms(uint32_t attempt, int64_t base_ms, int64_t cap_ms) {
  int64_t d = base_ms;
  for (uint32_t i = 0; i < attempt && d < cap_ms; ++i) d *= 2;
  return std::min(d, cap_ms);
}

Queue::Queue(storage::Engine& engine, QueueOptions opts)
    : engine_(engine), opts_(opts), generation_state_(std::random_device{}()) {
  generation_state_ = (generation_state_ << 32) ^ std::random_device{}() ^
                      static_cast<uint64_t>(now_millis());
  load();
}

Queue::~Queue() { stop(); }

void Queue::load() {
  std::vector<Entry> entries;
  uint64_t max_seq = 0;
  for (auto it = engine_.scan(kPending, {}); it->valid(); it->next()) {
    Entry e;
    Record r;
    if (!parse_pending_key(it->key(), &e.due_ms, &e.seq) || !decode(it->value(), &r)) {
      engine_.del(kPending, it->key());  // not ours or corrupt: it could never be delivered
      continue;
    }
    e.wake_ms = e.due_ms;
    e.topic = std::move(r.topic);
    max_seq = std::max(max_seq, e.seq);
    entries.push_back(std::move(e));
  }
  {
    std::lock_guard lk(mu_);
    // New keys must not collide with stored ones: start above every stored sequence.
    seq_ = std::max(seq_, max_seq + 1);
  }
  insert(std::move(entries));
}

uint64_t Queue::next_seq() {
  std::lock_guard lk(mu_);
  return seq_++;
}

void Queue::insert(std::vector<Entry> entries) {
  if (entries.empty()) return;
  {
    std::lock_guard lk(mu_);
    for (auto& e : entries) index_.insert(std::move(e));
  }
  cv_.notify_all();
}

Queue::Ticket Queue::add(storage::WriteBatch& batch, std::string_view topic,
                         std::string_view payload, int64_t due_at_ms) {
  // "As soon as possible" is stored as now, so ASAP deliveries stay FIFO with timed ones.
  Ticket t{std::max(due_at_ms, now_millis()), next_seq(), std::string(topic)};
  Record r;
  r.topic = std::string(topic);
  r.payload = std::string(payload);
  batch.put(kPending, pending_key(t.due_at_ms, t.seq), encode(r));
  return t;
}

void Queue::published(const Ticket& t) { insert({Entry{t.due_at_ms, t.due_at_ms, t.seq, t.topic}}); }

storage::Status Queue::enqueue(std::string_view topic, std::string_view payload,
                               int64_t due_at_ms) {
  storage::WriteBatch b;
  Ticket t = add(b, topic, payload, due_at_ms);
  auto s = engine_.write(b);
  if (s.ok()) published(t);
  return s;
}

void Queue::subscribe(std::string topic, Handler handler) {
  subscribe_async(std::move(topic), [h = std::move(handler)](const Delivery& d, Finish finish) { finish(h(d)); });
}

void Queue::subscribe_async(std::string topic, AsyncHandler handler) {
  {
    std::lock_guard lk(mu_);
    auto parked = parked_.find(topic);
    if (parked != parked_.end()) {
      for (auto& e : parked->second) index_.insert(std::move(e));
      parked_.erase(parked);
    }
    handlers_[std::move(topic)] = std::make_shared<AsyncHandler>(std::move(handler));
  }
  cv_.notify_all();
}

storage::Status Queue::arm(const std::string& name, const ScheduleDef& def, bool force) {
  // REQUIRES: schedule_mu_ held.
  std::string raw;
  auto s = engine_.get(kSchedules, name, &raw);
  if (!s.ok() && !s.not_found()) return s;
  ScheduleRecord cur;
  if (!force && s.ok() && decode(raw, &cur) && cur.topic == def.topic &&
      cur.payload == def.payload && cur.every_ms == def.every_ms)
    return storage::Status::OK();  // already running: keep the existing chain

  // splitmix64: cheap, well-mixed, and unique for every call in this process.
  uint64_t z = (generation_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  ScheduleRecord rec{def.topic, def.payload, def.every_ms, z ^ (z >> 31)};

  storage::WriteBatch b;
  b.put(kSchedules, name, encode(rec));
  Ticket t{now_millis() + def.every_ms, next_seq(), def.topic};
  Record occ{0, def.topic, def.payload, name, rec.generation};
  b.put(kPending, pending_key(t.due_at_ms, t.seq), encode(occ));
  s = engine_.write(b);
  if (s.ok()) published(t);
  return s;
}

storage::Status Queue::schedule(std::string_view name, std::string_view topic,
                                std::string_view payload, int64_t every_ms) {
  if (name.empty() || every_ms <= 0)
    return storage::Status::Invalid("schedule needs a name and a positive period");
  std::lock_guard sl(schedule_mu_);
  ScheduleDef def{std::string(topic), std::string(payload), every_ms};
  {
    std::lock_guard lk(mu_);
    schedules_.insert_or_assign(std::string(name), def);
  }
  return arm(std::string(name), def, /*force=*/false);
}

storage::Status Queue::unschedule(std::string_view name) {
  std::lock_guard sl(schedule_mu_);
  {
    std::lock_guard lk(mu_);
    if (auto it = schedules_.find(name); it != schedules_.end()) schedules_.erase(it);
  }
  return engine_.del(kSchedules, name);
}

void Queue::reset() {
  std::lock_guard sl(schedule_mu_);
  std::map<std::string, ScheduleDef, std::less<>> defs;
  {
    std::lock_guard lk(mu_);
    index_.clear();
    parked_.clear();
    defs = schedules_;
  }
  for (const auto& [name, def] : defs) arm(name, def, /*force=*/true);
}

size_t Queue::pending() const {
  std::lock_guard lk(mu_);
  size_t n = index_.size() + in_flight_;
  for (const auto& [topic, entries] : parked_) n += entries.size();
  return n;
}

struct Queue::Gate {
  std::mutex mu;
  Queue* queue;  // GUARDED_BY(mu) nullptr once the Queue stopped
};

void Queue::start() {
  std::lock_guard lk(mu_);
  if (!threads_.empty()) return;
  stopping_ = false;
  gate_ = std::make_shared<Gate>();
  gate_->queue = this;
  for (int i = 0; i < std::max(1, opts_.threads); ++i)
    threads_.emplace_back([this] { run_restarting("events", [this] { run(); }); });
}

void Queue::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  // Each thread finishes the handler it is running (and records its outcome) before exiting.
  for (auto& t : threads) t.join();
  // Asynchronous deliveries still out stay stored; their late verdicts are ignored.
  if (gate_) {
    std::lock_guard g(gate_->mu);
    gate_->queue = nullptr;
  }
  std::lock_guard lk(mu_);
  in_flight_ = 0;
}

void Queue::run() {
  std::unique_lock lk(mu_);
  while (!stopping_) {
    if (index_.empty()) {
      cv_.wait(lk);
      continue;
    }
    auto head = index_.begin();
    int64_t now = now_millis();
    if (head->wake_ms > now) {
      // Woken early by an insert (maybe an earlier entry) or stop; otherwise at the due time.
      cv_.wait_for(lk, std::chrono::milliseconds(head->wake_ms - now));
      continue;
    }
    Entry e = *head;
    index_.erase(head);
    auto h = handlers_.find(e.topic);
    if (h == handlers_.end()) {
      parked_[e.topic].push_back(std::move(e));
      continue;
    }
    std::shared_ptr<AsyncHandler> handler = h->second;
    ++in_flight_;  // until done_one(): when the verdict is recorded or the delivery ends early
    lk.unlock();
    std::string topic = e.topic;
    try {
      deliver(std::move(e), *handler);
    } catch (const std::exception& ex) {
      // The stored entry stays; it is indexed again when the queue next starts.
      spdlog::error("events: delivery on {} failed: {}", topic, ex.what());
      done_one();
    }
    lk.lock();
  }
}

void Queue::done_one() {
  std::lock_guard lk(mu_);
  if (in_flight_) --in_flight_;
}

void Queue::deliver(Entry e, const AsyncHandler& handler) {
  const std::string key = pending_key(e.due_ms, e.seq);
  auto later = [&] {
    // Storage failed: the stored entry is unchanged, so try the same key again later.
    e.wake_ms = now_millis() + kStorageRetryMs;
    insert({e});
    done_one();
  };

  std::string raw;
  auto s = engine_.get(kPending, key, &raw);
  if (s.not_found()) return done_one();  // removed meanwhile (engine cleared)
  if (!s.ok()) return later();
  Record r;
  if (!decode(raw, &r)) {
    engine_.del(kPending, key);
    return done_one();
  }

  ScheduleRecord sched;
  std::string next_occurrence;
  if (!r.schedule.empty()) {
    std::string sraw;
    s = engine_.get(kSchedules, r.schedule, &sraw);
    if (!s.ok() && !s.not_found()) return later();
    if (s.not_found() || !decode(sraw, &sched) || sched.generation != r.generation) {
      engine_.del(kPending, key);  // unscheduled or redefined: this chain ends here
      return done_one();
    }
    // Only the first attempt extends the chain, so retries never fork it.
    if (r.attempt == 0) next_occurrence = encode(Record{0, sched.topic, sched.payload, r.schedule, sched.generation});
  }

  Delivery d{r.topic, r.payload, r.attempt, e.due_ms, r.schedule};
  auto called = std::make_shared<std::atomic<bool>>(false);
  Finish finish = [gate = gate_, called, e, key, raw = std::move(raw), next = std::move(next_occurrence),
                   every = sched.every_ms](Verdict v) {
    if (called->exchange(true)) return;
    std::lock_guard g(gate->mu);
    if (gate->queue) gate->queue->complete(e, key, raw, next, every, v);
  };
  try {
    handler(d, finish);
  } catch (...) {
    finish(Verdict::retry_after(backoff_ms(r.attempt)));
  }
}

void Queue::complete(Entry e, const std::string& key, const std::string& raw, const std::string& next_occurrence,
                     int64_t every_ms, Verdict v) {
  const int64_t now = now_millis();
  storage::WriteBatch b;
  b.del(kPending, key);
  std::vector<Entry> added;
  std::string topic = e.topic;
  if (v.kind == Verdict::Kind::retry) {
    Record again;
    if (decode(raw, &again)) {
      again.attempt += 1;
      Entry ne{now + v.delay_ms, now + v.delay_ms, next_seq(), topic};
      b.put(kPending, pending_key(ne.due_ms, ne.seq), encode(again));
      added.push_back(std::move(ne));
    }
  }
  if (!next_occurrence.empty()) {
    int64_t next = e.due_ms + every_ms;
    if (next <= now) next = now + every_ms;
    Record occ;
    decode(next_occurrence, &occ);
    Entry ne{next, next, next_seq(), occ.topic};
    b.put(kPending, pending_key(ne.due_ms, ne.seq), next_occurrence);
    added.push_back(std::move(ne));
  }
  auto s = engine_.write(b);
  if (!s.ok()) {
    // At-least-once: the handler will see it again.
    e.wake_ms = now + kStorageRetryMs;
    added = {e};
  }
  insert(std::move(added));
  done_one();
}

}  // namespace stratus::events
