// Server ranks over MPI (ps/servers.h, ps/protocol.h).
#include <mpi.h>

#include <algorithm>
#include <cstring>

#include "core/mpi_chunked.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "ps/protocol.h"
#include "ps/routing.h"
#include "ps/servers.h"

namespace ampcf::ps {

namespace {

class RemoteServers : public Servers {
 public:
  RemoteServers(const Layout& layout, const std::vector<int>& widths)
      : layout_(layout),
        widths_(widths),
        request_buffers_(layout.n_servers),
        reply_buffers_(layout.n_servers),
        push_buffers_(layout.n_servers) {
    AMPCF_ASSERT(widths.size() <= static_cast<std::size_t>(kMaxTables), "more server tables than the protocol carries");
  }

  void StartPull(const TableKeys& keys, std::int64_t clock) override {
    AMPCF_ASSERT(pull_requests_.empty(), "a pull is already in flight");
    pull_.Route(keys, widths_, layout_.n_servers);
    for (int s = 0; s < layout_.n_servers; ++s) {
      const Header header = HeaderFor(pull_, s, clock);
      if (KeyCount(header) == 0) continue;
      BuildMessage(header, pull_.KeysFor(s), 0, request_buffers_[s]);
      IsendChunked(request_buffers_[s].data(), static_cast<std::int64_t>(request_buffers_[s].size()), MPI_CHAR,
                   layout_.server_rank(s), kPull, MPI_COMM_WORLD, pull_requests_);
    }
  }

  void FinishPull(const std::vector<float*>& out) override {
    for (int s = 0; s < layout_.n_servers; ++s) {
      const std::size_t n_values = pull_.ValuesFor(s, widths_);
      if (n_values == 0) continue;  // no keys for this server: nothing was asked
      std::vector<char>& reply = reply_buffers_[s];
      reply.resize(sizeof(Header) + n_values * sizeof(float));
      // A whole-table pull (evaluation) passes 2 GiB past ~8M rows of 65 floats: chunked.
      const std::int64_t bytes = RecvChunked(reply.data(), static_cast<std::int64_t>(reply.size()), MPI_CHAR,
                                             layout_.server_rank(s), kPullReply, MPI_COMM_WORLD);
      AMPCF_ASSERT(static_cast<std::size_t>(bytes) == reply.size(), "pull reply of ", bytes, " bytes from server ", s);
      const float* values = reinterpret_cast<const float*>(reply.data() + sizeof(Header));
      for (std::size_t t = 0; t < widths_.size(); ++t) {
        const int width = widths_[t];
        for (std::int32_t position : pull_.positions_of[t][s]) {
          std::copy_n(values, width, out[t] + static_cast<std::size_t>(position) * width);
          values += width;
        }
      }
    }
    peer::WaitAll(pull_requests_, "the servers to take a pull request");
  }

  void Push(const TableKeys& keys, const std::vector<const float*>& gradients, std::int64_t clock) override {
    Wait();  // the previous push's buffers are reused
    const int S = layout_.n_servers;
    push_.Route(keys, widths_, S);
    for (int s = 0; s < S; ++s) {
      float* values = BuildMessage(HeaderFor(push_, s, clock), push_.KeysFor(s), push_.ValuesFor(s, widths_),
                                   push_buffers_[s]);
      for (std::size_t t = 0; t < widths_.size(); ++t) {
        const int width = widths_[t];
        for (std::int32_t position : push_.positions_of[t][s]) {
          std::copy_n(gradients[t] + static_cast<std::size_t>(position) * width, width, values);
          values += width;
        }
      }
      IsendChunked(push_buffers_[s].data(), static_cast<std::int64_t>(push_buffers_[s].size()), MPI_CHAR,
                   layout_.server_rank(s), kPush, MPI_COMM_WORLD, push_requests_);
    }
  }

  void Wait() override {
    if (push_requests_.empty()) return;
    peer::WaitAll(push_requests_, "the servers to take a push");
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
  // Every table's keys split by owning server: keys_of[t][s], and their positions in the
  // table's key list, positions_of[t][s].
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
    std::size_t ValuesFor(int server, const std::vector<int>& widths) const {
      std::size_t n = 0;
      for (std::size_t t = 0; t < keys_of.size(); ++t) n += keys_of[t][server].size() * widths[t];
      return n;
    }
  };

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
  Routed pull_, push_;
  std::vector<std::vector<char>> request_buffers_, reply_buffers_, push_buffers_;
  std::vector<MPI_Request> pull_requests_, push_requests_;
};

}  // namespace

std::unique_ptr<Servers> MakeRemoteServers(const Layout& layout, const std::vector<int>& widths) {
  return std::make_unique<RemoteServers>(layout, widths);
}

}  // namespace ampcf::ps
