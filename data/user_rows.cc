#include "data/user_rows.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "core/error.h"
#include "core/parallel.h"
#include "data/id_span.h"

namespace ampcf {

namespace {

// Positions of the rows grouped by user (ascending id), file order within a user, and where each
// group starts, with the end of the last one (one entry more than groups).
struct Groups {
  std::vector<std::uint32_t> order;
  std::vector<std::int64_t> starts{0};
};

Groups GroupByUser(const std::vector<Interaction>& rows) {
  Groups groups;
  groups.order.resize(rows.size());
  if (rows.empty()) return groups;
  const auto [lowest, highest] =
      std::minmax_element(rows.begin(), rows.end(), [](const Interaction& a, const Interaction& b) { return a.user < b.user; });
  const std::int64_t low = lowest->user;
  const std::uint64_t span = IdSpan(low, highest->user);
  if (span < rows.size()) {
    // A counting sort, linear in the rows: its table has a slot per id of the range, so at most
    // one per row.
    std::vector<std::uint32_t> next(span + 1, 0);
    for (const Interaction& row : rows) ++next[IdSpan(low, row.user)];
    std::uint32_t at = 0;
    for (std::uint32_t& slot : next) {
      const std::uint32_t count = slot;
      slot = at;
      at += count;
      if (count > 0) groups.starts.push_back(at);
    }
    for (std::uint32_t r = 0; r < rows.size(); ++r) groups.order[next[IdSpan(low, rows[r].user)]++] = r;
    return groups;
  }
  std::iota(groups.order.begin(), groups.order.end(), 0u);
  std::stable_sort(groups.order.begin(), groups.order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return rows[a].user < rows[b].user; });
  for (std::size_t k = 1; k < rows.size(); ++k)
    if (rows[groups.order[k]].user != rows[groups.order[k - 1]].user) groups.starts.push_back(static_cast<std::int64_t>(k));
  groups.starts.push_back(static_cast<std::int64_t>(rows.size()));
  return groups;
}

// The item ids' range, and whether a bitmap over it is small: at most a byte per row, and at most
// kMostBitmapIds bits (each compute thread keeps one).
constexpr std::uint64_t kMostBitmapIds = std::uint64_t{1} << 26;

struct ItemRange {
  std::int64_t low = 0;
  std::uint64_t span = 0;
  bool bitmap = false;
};

ItemRange ItemRangeOf(const std::vector<Interaction>& rows) {
  ItemRange range;
  if (rows.empty()) return range;
  const auto [lowest, highest] =
      std::minmax_element(rows.begin(), rows.end(), [](const Interaction& a, const Interaction& b) { return a.item < b.item; });
  range.low = lowest->item;
  range.span = IdSpan(range.low, highest->item);
  range.bitmap = range.span < std::min(8 * static_cast<std::uint64_t>(rows.size()), kMostBitmapIds);
  return range;
}

// Appends to `kept` the positions of `group` (one user's rows, time order) whose item does not
// occur later in the group, in time order: a walk backwards that remembers the items seen.
void KeepLatestOccurrences(const std::vector<Interaction>& rows, std::span<const std::uint32_t> group,
                           const ItemRange& items, std::vector<std::uint32_t>& kept) {
  const std::size_t first = kept.size();
  if (items.bitmap) {
    thread_local std::vector<bool> seen;  // all false between calls
    if (seen.size() <= items.span) seen.resize(items.span + 1, false);
    for (std::size_t k = group.size(); k-- > 0;) {
      const std::uint64_t at = IdSpan(items.low, rows[group[k]].item);
      if (seen[at]) continue;
      seen[at] = true;
      kept.push_back(group[k]);
    }
    for (std::size_t k = first; k < kept.size(); ++k) seen[IdSpan(items.low, rows[kept[k]].item)] = false;
  } else {
    std::unordered_set<std::int64_t> seen;
    for (std::size_t k = group.size(); k-- > 0;)
      if (seen.insert(rows[group[k]].item).second) kept.push_back(group[k]);
  }
  std::reverse(kept.begin() + static_cast<std::ptrdiff_t>(first), kept.end());
}

}  // namespace

KeptRows GroupUserRows(const RawData& raw, const GivenTests* given_tests, int min_items) {
  AMPCF_ASSERT(raw.rows.size() < (std::uint64_t{1} << 32), "row positions fit 32 bits");
  Groups groups = GroupByUser(raw.rows);
  const ItemRange items = ItemRangeOf(raw.rows);
  std::vector<std::uint32_t>& order = groups.order;
  if (groups.starts.size() - 1 > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max() - kUsersPerPreparationTask))
    throw UserError(Cat(raw.name, ": 2^31 users or more on one rank; run on more ranks"));
  const auto n_groups = static_cast<int>(groups.starts.size() - 1);
  // Each group is put in time order and deduplicated in place: its kept positions go to its start.
  std::vector<std::uint32_t> kept_counts(static_cast<std::size_t>(n_groups));
  ParallelForBlocks(n_groups, kUsersPerPreparationTask, [&](TaskRange block) {
    std::vector<std::uint32_t> kept;
    auto earlier = [&](std::uint32_t a, std::uint32_t b) { return raw.rows[a].timestamp < raw.rows[b].timestamp; };
    for (int g = block.begin; g < block.end; ++g) {
      const auto begin = order.begin() + groups.starts[g], end = order.begin() + groups.starts[g + 1];
      if (!std::is_sorted(begin, end, earlier)) std::stable_sort(begin, end, earlier);
      kept.clear();
      kept.reserve(static_cast<std::size_t>(end - begin));  // nothing below throws with the bitmap marked
      KeepLatestOccurrences(raw.rows, {&*begin, static_cast<std::size_t>(end - begin)}, items, kept);
      std::copy(kept.begin(), kept.end(), begin);
      kept_counts[static_cast<std::size_t>(g)] = static_cast<std::uint32_t>(kept.size());
    }
  });
  // The kept users in order, their rows moved down over those of the users left out.
  KeptRows result;
  std::int64_t written = 0;
  for (int g = 0; g < n_groups; ++g) {
    const auto begin = order.begin() + groups.starts[g];
    const std::int64_t user = raw.rows[*begin].user;
    const std::uint32_t count = kept_counts[static_cast<std::size_t>(g)];
    std::int64_t total_items = count;
    if (given_tests != nullptr) total_items = given_tests->contains(user) ? count + 1 : 0;  // none: unusable
    if (total_items < min_items) continue;
    if (written != groups.starts[g]) std::copy(begin, begin + count, order.begin() + written);
    written += count;
    result.users.push_back(user);
    result.offsets.push_back(written);
  }
  order.resize(static_cast<std::size_t>(written));
  result.rows = std::move(order);
  return result;
}

}  // namespace ampcf
