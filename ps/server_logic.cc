#include "ps/server_logic.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/counters.h"
#include "core/mpi_env.h"
#include "ps/wire_format.h"

namespace ampcf::ps {

ServerLogic::ServerLogic(ServerShard* shard, ServerPort* port, int n_workers, bool synchronous,
                         std::int64_t start_clock)
    : shard_(shard),
      port_(port),
      n_workers_(n_workers),
      synchronous_(synchronous),
      pushed_clock_(n_workers, start_clock),
      applied_clock_(start_clock) {
  for (int t = 0; t < shard->n_tables(); ++t) widths_.push_back(shard->width(t));
}

std::int64_t ServerLogic::slowest_pushed() const { return *std::min_element(pushed_clock_.begin(), pushed_clock_.end()); }

int ServerLogic::slowest_worker() const {
  return static_cast<int>(std::min_element(pushed_clock_.begin(), pushed_clock_.end()) - pushed_clock_.begin());
}

std::int64_t ServerLogic::ready_clock() const { return synchronous_ ? applied_clock_ : slowest_pushed(); }

void ServerLogic::AnswerPull(const Received& pull) {
  const ValueFormat format = FormatOf(pull.view.header);  // the reply's: the format the pull asks for
  std::vector<char> reply;
  char* values = BuildKeylessMessageBytes(pull.view.header, ValueBytesOfRows(format, pull.view.keys.n, widths_), reply);
  if (format == ValueFormat::kFloat32) {
    shard_->ReadRows(pull.view.keys, reinterpret_cast<float*>(values));
  } else {
    read_scratch_.resize(ValueCountOfRows(pull.view.keys.n, widths_));
    shard_->ReadRows(pull.view.keys, read_scratch_.data());
    EncodeTables(read_scratch_.data(), pull.view.keys.n, widths_, format, values);
  }
  port_->Send(pull.source, kPullReply, std::move(reply));
}

void ServerLogic::DecodePush(Received& push) const {
  const ValueFormat format = FormatOf(push.view.header);
  if (format == ValueFormat::kFloat32 || push.view.value_bytes == 0) return;
  const int* rows = push.view.keys.n;
  if (push.view.value_bytes != ValueBytesOfRows(format, rows, widths_))
    AbortJob(Cat("server received a push from rank ", push.source, " whose ", push.view.value_bytes,
                 " bytes of values do not fit its keys"));
  push.decoded.resize(ValueCountOfRows(rows, widths_));
  DecodeTables(static_cast<const char*>(push.view.encoded), rows, widths_, format, push.decoded.data());
  push.view.values = push.decoded.data();
  push.view.n_values = push.decoded.size();
}

void ServerLogic::Acknowledge(int destination) { port_->Send(destination, kAck, {}); }

void ServerLogic::OnPush(Received push) {
  const Header& h = push.view.header;
  const int worker = h.worker;
  AMPCF_ASSERT(worker >= 0 && worker < n_workers_, "push from unknown worker ", worker);
  // Asynchronous modes: a push may repeat the clock (a flush of gradients the worker kept back) or
  // advance it by several steps (one message per --steps-per-message steps).
  AMPCF_ASSERT(h.clock == pushed_clock_[worker] + 1 || (!synchronous_ && h.clock >= pushed_clock_[worker]), "worker ",
               worker, " pushed clock ", h.clock, " after ", pushed_clock_[worker]);
  pushed_clock_[worker] = h.clock;
  if (!synchronous_) {
    // Asynchronous: each push is one Adam step per row on its worker's own batch's gradient
    // (or as many as the row's repeat count says: a cached row's mean gradient).
    for (const std::int32_t* r = push.view.repeats; r != nullptr && r != push.view.repeats + KeyCount(h); ++r)
      AMPCF_ASSERT(*r >= 1, "worker ", worker, " pushed a row that stands for ", *r, " steps");
    shard_->ApplyGradients(push.view.keys, push.view.values, push.view.repeats);
    return;
  }
  AMPCF_ASSERT(push.view.repeats == nullptr, "worker ", worker, " pushed repeated rows in synchronous mode");
  auto& slot = pending_[h.clock];
  if (slot.empty()) slot.resize(n_workers_);
  slot[worker] = std::move(push);
  // Apply whole clocks, in worker order, as soon as every worker's push has arrived.
  while (!pending_.empty() && pending_.begin()->first == applied_clock_ + 1 &&
         std::all_of(pending_.begin()->second.begin(), pending_.begin()->second.end(),
                     [](const Received& r) { return !r.bytes.empty(); })) {
    clock_pushes_.clear();
    for (const Received& pushed : pending_.begin()->second) clock_pushes_.push_back({pushed.view.keys, pushed.view.values});
    shard_->ApplyClock(clock_pushes_);
    pending_.erase(pending_.begin());
    ++applied_clock_;
  }
}

void ServerLogic::Handle(Received message) {
  if (message.kind == kPushPull) {
    HandlePushPull(std::move(message));
    return;
  }
  if (message.kind == kPush) DecodePush(message);
  HandleOne(std::move(message));
}

void ServerLogic::HandlePushPull(Received message) {
  std::size_t push_bytes = 0;
  SplitPushPull(message.bytes.data(), message.bytes.size(), push_bytes);
  const char* push_data = message.bytes.data() + sizeof(std::uint64_t);
  const std::size_t pull_bytes = message.bytes.size() - sizeof(std::uint64_t) - push_bytes;
  Received pull;
  pull.source = message.source;
  pull.kind = kPull;
  pull.bytes.assign(push_data + push_bytes, push_data + push_bytes + pull_bytes);
  pull.received_at = message.received_at;
  Received& push = message;  // keeps the buffer: the view points into it
  push.kind = kPush;
  if (!ParseMessage(push_data, push_bytes, push.view) || !ParseMessage(pull.bytes.data(), pull.bytes.size(), pull.view))
    AbortJob(Cat("server received a malformed push-and-pull message (", message.bytes.size(), " bytes) from rank ",
                 message.source));
  Handle(std::move(push));
  Handle(std::move(pull));
}

void ServerLogic::HandleOne(Received message) {
  const Header& h = message.view.header;
  switch (message.kind) {
    case kPull:
      if (h.clock <= ready_clock())
        AnswerPull(message);
      else
        waiting_pulls_.push_back(std::move(message));
      break;
    case kPush:
      OnPush(std::move(message));
      break;
    case kSnapshot:
      shard_->SaveBest();
      Acknowledge(message.source);
      break;
    case kRestore:
      shard_->RestoreBest();
      Acknowledge(message.source);
      break;
    case kReset:
      shard_->Reset();
      Acknowledge(message.source);
      break;
    case kCheckpoint:
      checkpoint_clocks_.push_back(h.clock);
      break;
    case kAverageIn:
      average_requests_.push_back(std::move(message));
      break;
    case kAverageOut:
      shard_->SwapOutAverage();
      Acknowledge(message.source);
      break;
    case kCounters:
      if (h.flag == 1) {
        counters_mark_ = Counters();
      } else {
        const auto since_mark = (Counters() - counters_mark_).ToArray();
        std::vector<char> reply;
        float* values = BuildKeylessMessage(h, 2 * since_mark.size(), reply);  // doubles in the floats' room
        std::memcpy(values, since_mark.data(), sizeof(since_mark));
        port_->Send(message.source, kCountersReply, std::move(reply));
      }
      break;
    case kDone:
      ++done_;
      break;
    default:
      AbortJob(Cat("server received unknown message kind ", message.kind, " from rank ", message.source));
  }
  while (!checkpoint_clocks_.empty() && all_applied(checkpoint_clocks_.front())) {
    port_->WriteCheckpoint(checkpoint_clocks_.front());
    checkpoint_clocks_.pop_front();
  }
  // The epoch's average once all its pushes are applied (worker 0 waits for the ack).
  while (!average_requests_.empty() && all_applied(average_requests_.front().view.header.clock)) {
    shard_->SwapInAverage(average_requests_.front().view.header.flag == 1);
    Acknowledge(average_requests_.front().source);
    average_requests_.pop_front();
  }
  for (auto it = waiting_pulls_.begin(); it != waiting_pulls_.end();) {
    if (it->view.header.clock <= ready_clock()) {
      AnswerPull(*it);
      if (it->received_at != std::chrono::steady_clock::time_point{})
        Counters().queue_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - it->received_at).count();
      it = waiting_pulls_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace ampcf::ps
