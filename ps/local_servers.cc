// The colocated shard of a one-rank run, called in process (ps/servers.h).
#include "ps/servers.h"

namespace ampcf::ps {

namespace {

class LocalServers : public Servers {
 public:
  explicit LocalServers(ServerShard& shard) : shard_(shard) {}
  void StartPull(const TableKeys& keys, std::int64_t) override { pull_keys_ = keys; }
  void FinishPull(const std::vector<float*>& out) override {
    for (std::size_t t = 0; t < pull_keys_.size(); ++t)
      shard_.ReadRows(static_cast<int>(t), pull_keys_[t].data(), static_cast<int>(pull_keys_[t].size()), out[t]);
  }
  void Push(const TableKeys& keys, const std::vector<const float*>& gradients, std::int64_t) override {
    for (std::size_t t = 0; t < keys.size(); ++t)
      shard_.ApplyGradients(static_cast<int>(t), keys[t].data(), static_cast<int>(keys[t].size()), gradients[t]);
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
  TableKeys pull_keys_;  // of the pull started, read when it finishes
};

}  // namespace

std::unique_ptr<Servers> MakeRemoteServers(const Layout& layout, const std::vector<int>& widths);

std::unique_ptr<Servers> ConnectServers(const Layout& layout, const std::vector<int>& widths, ServerShard* colocated) {
  if (colocated != nullptr) return std::make_unique<LocalServers>(*colocated);
  return MakeRemoteServers(layout, widths);
}

}  // namespace ampcf::ps
