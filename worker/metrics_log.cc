#include "worker/metrics_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace ampcf {

namespace {
constexpr const char* kEpochLineStart = "{\"epoch\": ";
}  // namespace

std::string FormatEpochLine(const EpochRecord& r) {
  std::string ranks;
  if (!r.ranks.empty()) {
    double bytes = 0;
    for (const RankCounters& c : r.ranks) bytes += c.bytes_out;
    ranks = fmt::format(", \"bytes_per_pair\": {:.1f}, \"ranks\": [", bytes / std::max(r.pairs, 1.0));
    for (std::size_t i = 0; i < r.ranks.size(); ++i) {
      const RankCounters& c = r.ranks[i];
      const char* role = r.ranks.size() == 1 ? "worker+server" : static_cast<int>(i) < r.n_workers ? "worker" : "server";
      ranks += fmt::format("{}{{\"rank\": {}, \"role\": \"{}\", \"bytes_out\": {:.0f}, \"bytes_in\": {:.0f}, "
                           "\"messages_out\": {:.0f}, \"messages_in\": {:.0f}, \"compute_s\": {:.3f}, "
                           "\"blocked_s\": {:.3f}, \"queue_s\": {:.3f}, \"kernel_s\": {:.3f}}}",
                           i ? ", " : "", i, role, c.bytes_out, c.bytes_in, c.messages_out, c.messages_in,
                           c.compute_seconds, c.blocked_seconds, c.queue_seconds, c.kernel_seconds);
    }
    ranks += "]";
  }
  return fmt::format("{}{}, \"loss\": {:.6f}, \"val_hr@10\": {:.6f}, \"val_ndcg@10\": {:.6f}, \"pairs_per_s\": {:.1f}, "
                     "\"seconds\": {:.3f}{}}}",
                     kEpochLineStart, r.epoch, r.loss, r.val_hr, r.val_ndcg, r.pairs_per_s, r.seconds, ranks);
}

std::string FormatRunLine(const RunRecord& r) {
  std::string tdd =
      r.has_tdd ? fmt::format(", \"tdd_js\": {:.6f}, \"tdd_hellinger\": {:.6f}", r.tdd_js, r.tdd_hellinger) : "";
  for (const auto& [name, value] : r.figures) tdd += fmt::format(", \"{}\": {:.6f}", name, value);
  return fmt::format("{{\"best_epoch\": {}, \"refit\": {}, \"val_hr@10\": {:.6f}, \"val_ndcg@10\": {:.6f}, "
                     "\"test_hr@10\": {:.6f}, \"test_ndcg@10\": {:.6f}, \"test_full_hr@10\": {:.6f}, "
                     "\"test_full_ndcg@10\": {:.6f}, \"test_users\": {}, \"test_full_users\": {}{}, "
                     "\"pairs_per_s\": {:.1f}, \"train_seconds\": {:.3f}}}",
                     r.best_epoch, r.refit ? "true" : "false", r.val_hr, r.val_ndcg, r.test_hr, r.test_ndcg,
                     r.test_full_hr, r.test_full_ndcg, r.test_users, r.test_full_users, tdd, r.pairs_per_s,
                     r.train_seconds);
}

void MetricsLog::Start() {
  if (path_.empty() || !std::filesystem::exists(path_)) return;
  const std::string kept = Cat(path_, ".", std::time(nullptr));
  std::filesystem::rename(path_, kept);
  spdlog::warn("kept the earlier {} as {}", path_, kept);
}

void MetricsLog::Resume(const TrainingState& state, std::int64_t total_pairs) {
  if (path_.empty()) return;
  const std::int64_t completed = state.epoch - 1;
  std::string kept, line;
  if (!std::filesystem::exists(path_)) {
    for (std::int64_t e = 0; e < completed; ++e)
      kept += FormatEpochLine({.epoch = static_cast<int>(e + 1),
                               .loss = state.loss[e],
                               .val_hr = state.val_hr[e],
                               .val_ndcg = state.val_ndcg[e],
                               .pairs_per_s = total_pairs / std::max(state.seconds[e], 1e-9),
                               .seconds = state.seconds[e]}) +
              "\n";
    if (!kept.empty()) Append(kept.substr(0, kept.size() - 1));
    return;
  }
  std::ifstream in(path_);
  const std::size_t prefix = std::char_traits<char>::length(kEpochLineStart);
  while (std::getline(in, line)) {
    if (line.rfind(kEpochLineStart, 0) != 0) continue;  // the summary line of an earlier finish
    if (line.back() != '}') continue;  // cut short by a full disk or a kill: its epoch is rerun
    const std::int64_t epoch = std::strtoll(line.c_str() + prefix, nullptr, 10);
    if (epoch >= 1 && epoch <= completed) kept += line + "\n";
  }
  // The kept lines replace the file only once wholly written.
  const std::string temporary = path_ + ".tmp";
  std::ofstream out(temporary);
  out << kept;
  out.flush();
  if (!out) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw UserError(Cat(temporary, ": cannot write (", std::strerror(errno), "); ", path_, " is unchanged"));
  }
  out.close();
  std::filesystem::rename(temporary, path_);
}

void MetricsLog::Append(const std::string& line) const {
  if (path_.empty()) return;
  std::ofstream out(path_, std::ios::app);
  out << line << "\n";
  out.flush();
  if (!out) throw UserError(Cat(path_, ": cannot write"));
}

}  // namespace ampcf
