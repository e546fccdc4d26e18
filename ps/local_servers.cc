// The colocated shard of a one-rank run, called in process (ps/servers.h).
#include <deque>

#include "ps/servers.h"

namespace ampcf::ps {

namespace {

class LocalServers : public Servers {
 public:
  explicit LocalServers(ServerShard& shard) : shard_(shard) {}
  void Send(const PushRequest* push, const PullRequest* pull) override {
    if (push != nullptr) {
      const TableKeys& keys = *push->keys;
      for (std::size_t t = 0; t < keys.size(); ++t)
        shard_.ApplyGradients(static_cast<int>(t), keys[t].data(), static_cast<int>(keys[t].size()), push->gradients[t],
                              push->repeats.empty() ? nullptr : push->repeats[t]);
    }
    if (pull != nullptr) pull_keys_.push_back(*pull->keys);
  }
  void FinishPull(const std::vector<float*>& out) override {
    const TableKeys& keys = pull_keys_.front();
    for (std::size_t t = 0; t < keys.size(); ++t)
      shard_.ReadRows(static_cast<int>(t), keys[t].data(), static_cast<int>(keys[t].size()), out[t]);
    pull_keys_.pop_front();
  }
  void Wait() override {}
  void Snapshot() override { shard_.SaveBest(); }
  void Restore() override { shard_.RestoreBest(); }
  void Reset() override { shard_.Reset(); }
  void SwapInAverage(std::int64_t, bool restart) override { shard_.SwapInAverage(restart); }
  void SwapOutAverage() override { shard_.SwapOutAverage(); }
  void RequestCheckpoint(std::int64_t) override {}
  void WriteRowsHeldHere(const std::string& path) override { shard_.WriteCheckpoint(path); }
  void MarkCounters() override {}
  std::vector<RankCounters> CountersSinceMark() override { return {}; }
  void Done() override {}

 private:
  ServerShard& shard_;
  std::deque<TableKeys> pull_keys_;  // of the pulls sent, read when they finish
};

}  // namespace

std::unique_ptr<Servers> MakeRemoteServers(const Layout& layout, const std::vector<int>& widths, int wire_bits);

std::unique_ptr<Servers> ConnectServers(const Layout& layout, const std::vector<int>& widths, ServerShard* colocated,
                                        int wire_bits) {
  if (colocated != nullptr) return std::make_unique<LocalServers>(*colocated);
  return MakeRemoteServers(layout, widths, wire_bits);
}

}  // namespace ampcf::ps
