// Server ranks over MPI (ps/servers.h, ps/protocol.h).
#include <mpi.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include "core/mpi_chunked.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "ps/protocol.h"
#include "ps/routing.h"
#include "ps/servers.h"
#include "ps/wire_format.h"

namespace ampcf::ps {

namespace {

// Every table's keys split by owning server: keys_of[t][s], and their positions in the table's
// key list, positions_of[t][s].
struct Routed {
  std::vector<std::vector<std::vector<std::int32_t>>> keys_of, positions_of;

  void Route(const TableKeys& keys, const std::vector<int>& widths, int n_servers) {
    AMPCF_ASSERT(keys.size() == widths.size(), "keys of ", keys.size(), " tables for ", widths.size());
    keys_of.resize(keys.size());
    positions_of.resize(keys.size());
    for (std::size_t t = 0; t < keys.size(); ++t) RouteKeys(keys[t], n_servers, keys_of[t], positions_of[t]);
  }
  KeyLists KeysFor(int server) const {
    KeyLists lists;
    for (std::size_t t = 0; t < keys_of.size(); ++t) {
      lists.keys[t] = keys_of[t][server].data();
      lists.n[t] = static_cast<int>(keys_of[t][server].size());
    }
    return lists;
  }
  std::size_t ValuesFor(int server, const std::vector<int>& widths) const { return ValueCountOfRows(KeysFor(server).n, widths); }
  // The encoded bytes of the rows for `server`.
  std::size_t BytesFor(int server, const std::vector<int>& widths, ValueFormat format) const {
    return ValueBytesOfRows(format, KeysFor(server).n, widths);
  }
};

class RemoteServers : public Servers {
 public:
  RemoteServers(const Layout& layout, const std::vector<int>& widths, int wire_bits)
      : layout_(layout),
        widths_(widths),
        row_format_(wire_bits == 8    ? ValueFormat::kInt8
                    : wire_bits == 16 ? ValueFormat::kFloat16
                                      : ValueFormat::kFloat32),
        gradient_format_(wire_bits == 8    ? ValueFormat::kInt8Dithered
                         : wire_bits == 16 ? ValueFormat::kBFloat16
                                           : ValueFormat::kFloat32) {
    AMPCF_ASSERT(widths.size() <= static_cast<std::size_t>(kMaxTables), "more server tables than the protocol carries");
  }

  void Send(const PushRequest* push, const PullRequest* pull) override {
    ReapSends();
    const int S = layout_.n_servers;
    if (push != nullptr) push_.Route(*push->keys, widths_, S);
    InFlightPull* in_flight = nullptr;
    if (pull != nullptr) {
      in_flight = &pulls_.emplace_back();
      in_flight->format = pull->exact ? ValueFormat::kFloat32 : row_format_;
      in_flight->routed.Route(*pull->keys, widths_, S);
      in_flight->replies.resize(S);
      in_flight->requests.resize(S);
    }
    Outgoing& outgoing = sends_.emplace_back();
    outgoing.buffers.resize(S);
    for (int s = 0; s < S; ++s) {
      const bool pushes = push != nullptr;  // every server sees every clock
      const bool pulls = in_flight != nullptr && KeyCount(HeaderFor(in_flight->routed, s, 0)) > 0;
      if (!pushes && !pulls) continue;
      std::vector<char>& buffer = outgoing.buffers[s];
      buffer.clear();
      if (pushes) {
        const std::size_t start = pulls ? sizeof(std::uint64_t) : 0;
        AppendPush(*push, s, buffer, start);
        if (pulls) {
          const std::uint64_t push_bytes = buffer.size() - start;
          std::memcpy(buffer.data(), &push_bytes, sizeof(push_bytes));
        }
      }
      if (pulls) {
        Header header = HeaderFor(in_flight->routed, s, pull->clock);
        header.format = static_cast<std::int32_t>(in_flight->format);
        BuildMessageAt(header, in_flight->routed.KeysFor(s), 0, buffer, buffer.size());
        // The reply's receive is posted now, so that the rows flow while this worker computes.
        std::vector<char>& reply = in_flight->replies[s];
        reply.resize(sizeof(Header) + in_flight->routed.BytesFor(s, widths_, in_flight->format));
        IrecvChunked(reply.data(), static_cast<std::int64_t>(reply.size()), MPI_CHAR, layout_.server_rank(s), kPullReply,
                     MPI_COMM_WORLD, in_flight->requests[s]);
      }
      const int kind = pushes && pulls ? kPushPull : (pushes ? kPush : kPull);
      IsendChunked(buffer.data(), static_cast<std::int64_t>(buffer.size()), MPI_CHAR, layout_.server_rank(s), kind,
                   MPI_COMM_WORLD, outgoing.requests);
    }
  }

  void FinishPull(const std::vector<float*>& out) override {
    AMPCF_ASSERT(!pulls_.empty(), "no pull in flight");
    InFlightPull& pull = pulls_.front();
    // With later pulls in flight this worker is not on the critical path of a synchronous step.
    const peer::Pace pace = pulls_.size() > 1 ? peer::Pace::kSleep : peer::Pace::kYield;
    for (int s = 0; s < layout_.n_servers; ++s) {
      if (pull.requests[s].empty()) continue;  // no keys for this server: nothing was asked
      peer::WaitAll(pull.requests[s], Cat("a pull reply from rank ", layout_.server_rank(s), " (server ", s, ")"), pace);
      Header header;
      std::memcpy(&header, pull.replies[s].data(), sizeof(Header));
      AMPCF_ASSERT(header.worker == layout_.worker_index() && FormatOf(header) == pull.format,
                   "a pull reply for worker ", header.worker, " in format ", header.format, " from server ", s);
      const char* values = pull.replies[s].data() + sizeof(Header);
      for (std::size_t t = 0; t < widths_.size(); ++t) {
        const int width = widths_[t];
        const std::size_t row_bytes = RowsBytes(pull.format, 1, width);
        for (std::int32_t position : pull.routed.positions_of[t][s]) {
          DecodeRows(values, 1, width, pull.format, out[t] + static_cast<std::size_t>(position) * width);
          values += row_bytes;
        }
      }
    }
    pulls_.pop_front();
  }

  void Wait() override {
    for (Outgoing& outgoing : sends_)
      if (!outgoing.requests.empty()) peer::WaitAll(outgoing.requests, "the servers to take a push");
    sends_.clear();
  }

  void Snapshot() override { SendControlAndWaitAck(kSnapshot); }
  void Restore() override { SendControlAndWaitAck(kRestore); }
  void Reset() override { SendControlAndWaitAck(kReset); }
  void SwapInAverage(std::int64_t clock, bool restart) override { SendControlAndWaitAck(kAverageIn, clock, restart ? 1 : 0); }
  void SwapOutAverage() override { SendControlAndWaitAck(kAverageOut); }
  void RequestCheckpoint(std::int64_t clock) override { SendControl(kCheckpoint, clock); }
  void WriteRowsHeldHere(const std::string&) override {}
  void MarkCounters() override { SendControl(kCounters, 0, 1); }
  std::vector<RankCounters> CountersSinceMark() override {
    SendControl(kCounters);
    std::vector<RankCounters> counters;
    std::vector<char> reply(sizeof(Header) + RankCounters::kFields * sizeof(double));
    for (int s = 0; s < layout_.n_servers; ++s) {
      const std::int64_t bytes = RecvChunked(reply.data(), static_cast<std::int64_t>(reply.size()), MPI_CHAR,
                                             layout_.server_rank(s), kCountersReply, MPI_COMM_WORLD);
      AMPCF_ASSERT(static_cast<std::size_t>(bytes) == reply.size(), "counters of ", bytes, " bytes from server ", s);
      double values[RankCounters::kFields];
      std::memcpy(values, reply.data() + sizeof(Header), sizeof(values));
      counters.push_back(RankCounters::FromArray(values));
    }
    return counters;
  }
  void Done() override { SendControl(kDone); }

 private:
  // A pull sent and not yet finished: its routing, its replies' buffers and receives (per server).
  struct InFlightPull {
    ValueFormat format = ValueFormat::kFloat32;  // of its reply
    Routed routed;
    std::vector<std::vector<char>> replies;
    std::vector<std::vector<MPI_Request>> requests;
  };
  // One Send's buffers, kept until MPI has taken them.
  struct Outgoing {
    std::vector<std::vector<char>> buffers;
    std::vector<MPI_Request> requests;
  };

  // Writes the push's message for server `s` into `buffer` from byte `start` on.
  void AppendPush(const PushRequest& push, int s, std::vector<char>& buffer, std::size_t start) {
    Header header = HeaderFor(push_, s, push.clock);
    header.format = static_cast<std::int32_t>(gradient_format_);
    header.repeated = push.repeats.empty() ? 0 : 1;
    repeats_.clear();
    for (std::size_t t = 0; t < push.repeats.size(); ++t)
      for (std::int32_t position : push_.positions_of[t][s])
        repeats_.push_back(push.repeats[t] == nullptr ? 1 : push.repeats[t][position]);
    const std::size_t n_values = push_.ValuesFor(s, widths_);
    char* values = BuildMessageAt(header, push_.KeysFor(s), push_.BytesFor(s, widths_, gradient_format_), buffer, start,
                                  repeats_.data());
    scratch_.resize(n_values);
    float* at = scratch_.data();
    for (std::size_t t = 0; t < widths_.size(); ++t) {
      const int width = widths_[t];
      for (std::int32_t position : push_.positions_of[t][s]) {
        std::copy_n(push.gradients[t] + static_cast<std::size_t>(position) * width, width, at);
        at += width;
      }
    }
    EncodeTables(scratch_.data(), push_.KeysFor(s).n, widths_, gradient_format_, values);
  }

  // Frees the buffers of the oldest sends that have completed.
  void ReapSends() {
    while (!sends_.empty()) {
      int flag = 0;
      std::vector<MPI_Request>& requests = sends_.front().requests;
      AMPCF_CHECK_MPI(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &flag, MPI_STATUSES_IGNORE));
      if (!flag) return;
      sends_.pop_front();
    }
  }

  Header HeaderFor(const Routed& routed, int server, std::int64_t clock) const {
    Header header;
    header.worker = layout_.worker_index();
    header.clock = clock;
    for (std::size_t t = 0; t < routed.keys_of.size(); ++t)
      header.n_keys[t] = static_cast<std::int32_t>(routed.keys_of[t][server].size());
    return header;
  }
  // A header-only message of `kind` to every server (after the pending pushes).
  void SendControl(int kind, std::int64_t clock = 0, std::int32_t flag = 0) {
    Wait();
    std::vector<char> buffer;
    Header header;
    header.worker = layout_.worker_index();
    header.clock = clock;
    header.flag = flag;
    BuildKeylessMessage(header, 0, buffer);
    for (int s = 0; s < layout_.n_servers; ++s)
      SendChunked(buffer.data(), static_cast<std::int64_t>(buffer.size()), MPI_CHAR, layout_.server_rank(s), kind,
                  MPI_COMM_WORLD);
  }
  void SendControlAndWaitAck(int kind, std::int64_t clock = 0, std::int32_t flag = 0) {
    SendControl(kind, clock, flag);
    for (int s = 0; s < layout_.n_servers; ++s)
      RecvChunked(nullptr, 0, MPI_CHAR, layout_.server_rank(s), kAck, MPI_COMM_WORLD);
  }

  Layout layout_;
  std::vector<int> widths_;
  ValueFormat row_format_, gradient_format_;
  Routed push_;
  std::deque<InFlightPull> pulls_;  // in the order sent
  std::deque<Outgoing> sends_;      // in the order sent
  std::vector<float> scratch_;      // a push's rows for one server, before encoding
  std::vector<std::int32_t> repeats_;  // a push's repeat counts for one server
};

}  // namespace

std::unique_ptr<Servers> MakeRemoteServers(const Layout& layout, const std::vector<int>& widths, int wire_bits) {
  return std::make_unique<RemoteServers>(layout, widths, wire_bits);
}

}  // namespace ampcf::ps
