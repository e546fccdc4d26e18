#include "data/parallel_parse.h"

#include <algorithm>
#include <array>
#include <limits>
#include <type_traits>
#include <filesystem>
#include <unordered_map>
#include <vector>

#include "core/mpi_chunked.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "core/rng.h"
#include "data/fingerprint.h"
#include "data/line_formats.h"
#include "data/parse_range.h"
#include "data/range_lines.h"

namespace ampcf {

namespace {

constexpr int kRowsTag = 0x5a51, kIdsTag = 0x5a53;
// Rows each rank contributes to the sample that places the cuts between user ranges.
constexpr std::int64_t kSamplesPerRank = 4096;

struct Comm {
  MPI_Comm comm;
  int rank = 0, size = 1;
  explicit Comm(MPI_Comm c) : comm(c) {
    AMPCF_CHECK_MPI(MPI_Comm_rank(c, &rank));
    AMPCF_CHECK_MPI(MPI_Comm_size(c, &size));
  }
};

// Runs `stage` on this rank; a UserError on any rank is thrown on every rank, with the message
// of the lowest failing rank (the earliest bad line of the file).
template <typename Stage>
void Agreed(const Comm& c, Stage&& stage) {
  std::string message;
  try {
    stage();
  } catch (const UserError& error) {
    message = error.what();
  }
  message = AgreeOnError(message.empty(), message, c.comm);
  if (!message.empty()) throw UserError(message);
}

std::int64_t Sum(const Comm& c, std::int64_t mine, const char* what) {
  std::int64_t total = 0;
  peer::Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, c.comm, what);
  return total;
}

// The sum of the lower ranks' values (0 on rank 0).
std::int64_t SumBefore(const Comm& c, std::int64_t mine, const char* what) {
  std::int64_t before = 0;
  MPI_Request request;
  AMPCF_CHECK_MPI(MPI_Iexscan(&mine, &before, 1, MPI_INT64_T, MPI_SUM, c.comm, &request));
  peer::Wait(request, what);
  return c.rank == 0 ? 0 : before;
}

// Every rank's `mine`, concatenated in rank order, on every rank.
std::vector<std::int64_t> AllGather(const Comm& c, const std::vector<std::int64_t>& mine, const char* what) {
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(c.size), offsets(c.size);
  MPI_Request request;
  AMPCF_CHECK_MPI(MPI_Iallgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, c.comm, &request));
  peer::Wait(request, what);
  std::int64_t total = 0;
  for (int r = 0; r < c.size; ++r) {
    offsets[r] = static_cast<int>(total);
    total += counts[r];
  }
  if (total > std::numeric_limits<int>::max()) throw UserError(Cat("more than 2^31 distinct ids in ", what));
  std::vector<std::int64_t> all(static_cast<std::size_t>(total));
  AMPCF_CHECK_MPI(MPI_Iallgatherv(mine.data(), count, MPI_INT64_T, all.data(), counts.data(), offsets.data(),
                                  MPI_INT64_T, c.comm, &request));
  peer::Wait(request, what);
  return all;
}

// Sends elements [offsets[r], offsets[r + 1]) of `sorted` (grouped by destination) to rank r;
// returns what every rank sent this one, the lower ranks' first.
template <typename T>
std::vector<T> AllToAll(const Comm& c, const std::vector<T>& sorted, const std::vector<std::int64_t>& offsets, int tag,
                        const char* what) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<std::int64_t> send_counts(c.size), receive_counts(c.size);
  for (int r = 0; r < c.size; ++r) send_counts[r] = offsets[r + 1] - offsets[r];
  MPI_Request request;
  AMPCF_CHECK_MPI(
      MPI_Ialltoall(send_counts.data(), 1, MPI_INT64_T, receive_counts.data(), 1, MPI_INT64_T, c.comm, &request));
  peer::Wait(request, what);
  std::vector<std::int64_t> receive_offsets(c.size + 1, 0);
  for (int r = 0; r < c.size; ++r) receive_offsets[r + 1] = receive_offsets[r] + receive_counts[r];
  std::vector<T> received(static_cast<std::size_t>(receive_offsets[c.size]));
  std::vector<MPI_Request> requests;
  auto bytes = [](std::int64_t count) { return count * static_cast<std::int64_t>(sizeof(T)); };
  for (int r = 0; r < c.size; ++r) {
    if (r == c.rank) {
      std::copy(sorted.begin() + offsets[r], sorted.begin() + offsets[r + 1], received.begin() + receive_offsets[r]);
      continue;
    }
    if (receive_counts[r] > 0)
      IrecvChunked(&received[static_cast<std::size_t>(receive_offsets[r])], bytes(receive_counts[r]), MPI_BYTE, r, tag,
                   c.comm, requests);
    if (send_counts[r] > 0)
      IsendChunked(&sorted[static_cast<std::size_t>(offsets[r])], bytes(send_counts[r]), MPI_BYTE, r, tag, c.comm,
                   requests);
  }
  peer::WaitAll(requests, what);
  return received;
}

// Groups `values` by destination rank (stable: each group keeps their order); returns the
// group offsets, size + 1 of them.
template <typename T, typename Destination>
std::vector<std::int64_t> GroupByRank(const Comm& c, std::vector<T>& values, Destination destination) {
  std::vector<std::int64_t> offsets(c.size + 1, 0);
  bool grouped_already = true;  // as the rows of a file in user order are
  int last = 0;
  for (const T& value : values) {
    const int rank = destination(value);
    ++offsets[rank + 1];
    grouped_already = grouped_already && rank >= last;
    last = rank;
  }
  for (int r = 0; r < c.size; ++r) offsets[r + 1] += offsets[r];
  if (grouped_already) return offsets;
  std::vector<T> grouped(values.size());
  std::vector<std::int64_t> at(offsets.begin(), offsets.end() - 1);
  for (const T& value : values) grouped[static_cast<std::size_t>(at[destination(value)]++)] = value;
  values.swap(grouped);
  return offsets;
}

// The union of every rank's sorted distinct ids, sorted, on every rank. Each id is first sent to
// the rank its hash names, which drops the repeats, so no rank gathers every rank's copy.
std::vector<std::int64_t> AgreeOnIds(const Comm& c, std::vector<std::int64_t> mine, const char* what) {
  auto owner = [&](std::int64_t id) {
    std::uint64_t state = static_cast<std::uint64_t>(id);
    return static_cast<int>(SplitMix64(state) % static_cast<std::uint64_t>(c.size));
  };
  const std::vector<std::int64_t> offsets = GroupByRank(c, mine, owner);
  std::vector<std::int64_t> owned = AllToAll(c, mine, offsets, kIdsTag, what);
  std::vector<std::int64_t>().swap(mine);
  std::sort(owned.begin(), owned.end());
  owned.erase(std::unique(owned.begin(), owned.end()), owned.end());
  std::vector<std::int64_t> all = AllGather(c, owned, what);
  std::sort(all.begin(), all.end());
  return all;
}

void SumInPlace(const Comm& c, std::vector<std::int64_t>& values, const char* what) {
  std::vector<std::int64_t> total(values.size());
  peer::Allreduce(values.data(), total.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM, c.comm, what);
  values.swap(total);
}

ParsedRange ParseRange(const Comm& c, const InputFile& input, const LineFormat& format, bool header) {
  ParsedRange parsed;
  try {
    const std::int64_t size = FileSize(input.path);
    parsed = ParseByteRange(input.path, size * c.rank / c.size, size * (c.rank + 1) / c.size, format, header);
  } catch (const UserError& unreadable) {  // the file: a message of its own, with its name
    parsed = ParsedRange{};
    parsed.error = unreadable.what();
  }
  // Line numbers: the lines of the ranges before this one come first.
  const std::int64_t first_line = SumBefore(c, parsed.lines, "the line counts of the other ranks' byte ranges");
  std::string error = parsed.error;
  if (!error.empty() && parsed.lines > 0) error = Cat(input.path, ":", first_line + parsed.lines, ": ", error);
  const std::string agreed = AgreeOnError(error.empty(), error, c.comm);
  if (!agreed.empty()) throw UserError(agreed);
  if (format.line_is_time)
    for (Interaction& row : parsed.rows) row.timestamp += first_line;
  if (Sum(c, static_cast<std::int64_t>(parsed.rows.size()), "the other ranks' row counts") == 0)
    throw UserError(Cat(input.path, ": no interactions found"));
  return parsed;
}

// The user ids at which the ranges of users of ranks 1..user_ranks-1 start: quantiles of an
// evenly spaced sample of every rank's rows, weighted by its row count, so each of ranks
// [0, user_ranks) receives about as many rows.
std::vector<std::int64_t> UserCuts(const Comm& c, const std::vector<Interaction>& rows, int user_ranks) {
  const auto n = static_cast<std::int64_t>(rows.size());
  const std::int64_t samples = std::min(n, kSamplesPerRank);
  std::vector<std::int64_t> mine;  // pairs (user, weight in rows)
  for (std::int64_t s = 0; s < samples; ++s) {
    mine.push_back(rows[static_cast<std::size_t>(s * n / samples)].user);
    mine.push_back((s + 1) * n / samples - s * n / samples);
  }
  const std::vector<std::int64_t> all = AllGather(c, mine, "the other ranks' samples of user ids");
  std::vector<std::pair<std::int64_t, std::int64_t>> sample;
  std::int64_t total = 0;
  for (std::size_t k = 0; k + 1 < all.size(); k += 2) {
    sample.emplace_back(all[k], all[k + 1]);
    total += all[k + 1];
  }
  std::sort(sample.begin(), sample.end());
  std::vector<std::int64_t> cuts;
  std::int64_t seen = 0;
  std::size_t k = 0;
  for (int r = 1; r < user_ranks; ++r) {
    // The first sampled user at or past r/user_ranks of the rows; users below it go to lower ranks.
    while (k < sample.size() && seen + sample[k].second <= total * r / user_ranks) seen += sample[k++].second;
    cuts.push_back(k < sample.size() ? sample[k].first : std::numeric_limits<std::int64_t>::max());
  }
  return cuts;
}

// Sends every row to the rank of [0, user_ranks) whose range holds its user; returns the rows
// this rank receives, in file order (the lower ranks' ranges first, each in its order).
std::vector<Interaction> RouteRows(const Comm& c, std::vector<Interaction> rows, int user_ranks) {
  const std::vector<std::int64_t> cuts = UserCuts(c, rows, user_ranks);
  auto owner = [&](const Interaction& row) {
    return static_cast<int>(std::upper_bound(cuts.begin(), cuts.end(), row.user) - cuts.begin());
  };
  const std::vector<std::int64_t> offsets = GroupByRank(c, rows, owner);
  return AllToAll(c, rows, offsets, kRowsTag, "the rows of this rank's users from the other ranks");
}

// Drops the rows of items rated fewer than `min_ratings` times in the whole file.
void DropRareItems(const Comm& c, std::vector<Interaction>& rows, int min_ratings) {
  std::vector<std::int64_t> mine;
  for (const Interaction& row : rows) mine.push_back(row.item);
  std::sort(mine.begin(), mine.end());
  mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  const std::vector<std::int64_t> items = AgreeOnIds(c, mine, "the other ranks' item ids");
  std::vector<std::int64_t> ratings(items.size(), 0);
  auto index = [&](std::int64_t item) { return std::lower_bound(items.begin(), items.end(), item) - items.begin(); };
  for (const Interaction& row : rows) ++ratings[static_cast<std::size_t>(index(row.item))];
  SumInPlace(c, ratings, "the other ranks' item counts");
  std::erase_if(rows, [&](const Interaction& row) { return ratings[static_cast<std::size_t>(index(row.item))] < min_ratings; });
}

}  // namespace

bool ParsesInParallel(const DataConfig& config) {
  try {
    const InputFile input = ResolveInput(config);
    return FindLineFormat(input.format) != nullptr && std::filesystem::is_regular_file(input.path) &&
           !IsGzipFile(input.path);
  } catch (const UserError&) {
    return false;  // the rank that parses alone reports it
  }
}

Dataset ParseInParallel(const DataConfig& config, int user_ranks, MPI_Comm comm) {
  const Comm c(comm);
  AMPCF_ASSERT(user_ranks >= 1 && user_ranks <= c.size, "between 1 and every rank hold users");
  InputFile input;
  const LineFormat* format = nullptr;
  bool header = false;
  Agreed(c, [&] {
    input = ResolveInput(config);
    format = FindLineFormat(input.format);
    if (format == nullptr || IsGzipFile(input.path)) throw UserError(Cat("--data ", config.data, ": cannot be split by bytes"));
    header = input.format == "lastfm" || (input.format == "movielens-csv" && LooksLikeHeader(input.path));
  });
  RawData raw;
  raw.name = input.format == "lastfm" ? LastfmName(input.path) : SourceName(input.path);
  raw.has_timestamps = format->has_timestamps();
  raw.rows = RouteRows(c, ParseRange(c, input, *format, header).rows, user_ranks);
  if (config.min_item_ratings > 1) DropRareItems(c, raw.rows, config.min_item_ratings);

  const UserPreparation users(std::move(raw), config);
  const std::int32_t kept = users.kept_users();
  const std::int64_t n_users = Sum(c, kept, "the other ranks' user counts");
  if (n_users == 0) throw UserError(Cat("--data ", config.data, ": no user has at least ", config.min_items, " items"));
  if (n_users > std::numeric_limits<std::int32_t>::max()) throw UserError(Cat("--data ", config.data, ": more than 2^31 users"));
  const auto first_user = static_cast<std::int32_t>(SumBefore(c, kept, "the other ranks' user counts"));
  Dataset data = users.HoldOut(AgreeOnIds(c, users.ItemPool(), "the other ranks' item ids"), first_user,
                               static_cast<std::int32_t>(n_users));

  // The counts of the whole dataset, then its fingerprint.
  const std::int64_t first_train = SumBefore(c, data.n_train, "the other ranks' training counts");
  data.n_train = Sum(c, data.n_train, "the other ranks' training counts");
  data.total_interactions = Sum(c, data.total_interactions, "the other ranks' interaction counts");
  SumInPlace(c, data.item_train_counts, "the other ranks' item counts");
  SumInPlace(c, data.item_validation_counts, "the other ranks' item counts");
  FingerprintSums sums;
  sums.AddUsers(data, first_train);
  if (c.rank == 0) sums.AddItems(data);
  std::array<std::uint64_t, 8> total{};
  peer::Allreduce(sums.sums().data(), total.data(), static_cast<int>(total.size()), MPI_UINT64_T, MPI_SUM, comm,
                  "the other ranks' fingerprint sums");
  sums.sums() = total;
  data.fingerprint = sums.Finish(data);
  return data;
}

}  // namespace ampcf
