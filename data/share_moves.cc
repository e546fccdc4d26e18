#include "data/share_moves.h"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/vector.hpp>

#include <algorithm>
#include <sstream>
#include <vector>

#include "core/mpi_chunked.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "data/user_share.h"

namespace ampcf {

namespace {

constexpr int kUsersTag = 0x5a52;

// The users' part of a dataset, for moving users between ranks.
struct UserSlice {
  UserRange held;
  std::vector<std::int64_t> user_ids, train_offsets;
  std::vector<std::int32_t> train_items, val_item, test_item;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& held.begin& held.end& user_ids& train_offsets& train_items& val_item& test_item;
  }
};

UserSlice SliceOf(const Dataset& part, UserRange range) {
  UserSlice slice;
  slice.held = range;
  if (range.size() == 0) {
    slice.train_offsets = {0};
    return slice;
  }
  const auto b = static_cast<std::size_t>(range.begin - part.held.begin);
  const auto e = static_cast<std::size_t>(range.end - part.held.begin);
  slice.user_ids.assign(part.user_ids.begin() + b, part.user_ids.begin() + e);
  slice.val_item.assign(part.val_item.begin() + b, part.val_item.begin() + e);
  slice.test_item.assign(part.test_item.begin() + b, part.test_item.begin() + e);
  slice.train_items.assign(part.train_items.begin() + part.train_offsets[b], part.train_items.begin() + part.train_offsets[e]);
  for (std::size_t l = b; l <= e; ++l) slice.train_offsets.push_back(part.train_offsets[l] - part.train_offsets[b]);
  return slice;
}

void Append(Dataset& data, const UserSlice& slice) {
  if (slice.held.size() == 0) return;
  AMPCF_ASSERT(slice.held.begin == data.held.end, "slices arrive in user order");
  data.held.end = slice.held.end;
  data.user_ids.insert(data.user_ids.end(), slice.user_ids.begin(), slice.user_ids.end());
  data.val_item.insert(data.val_item.end(), slice.val_item.begin(), slice.val_item.end());
  data.test_item.insert(data.test_item.end(), slice.test_item.begin(), slice.test_item.end());
  const std::int64_t base = static_cast<std::int64_t>(data.train_items.size());
  data.train_items.insert(data.train_items.end(), slice.train_items.begin(), slice.train_items.end());
  for (std::size_t l = 1; l < slice.train_offsets.size(); ++l) data.train_offsets.push_back(base + slice.train_offsets[l]);
}

std::string Serialise(const UserSlice& slice) {
  std::ostringstream out;
  {
    boost::archive::binary_oarchive archive(out);
    archive << slice;
  }
  return out.str();
}

UserSlice Deserialise(const std::vector<char>& bytes) {
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  boost::archive::binary_iarchive archive(in);
  UserSlice slice;
  archive >> slice;
  return slice;
}

}  // namespace

Dataset MoveToShares(Dataset part, int index, int shares, MPI_Comm comm) {
  int rank = 0, size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size));
  int mine[2] = {index, shares};
  std::vector<int> asked(2 * static_cast<std::size_t>(size));
  MPI_Request request;
  AMPCF_CHECK_MPI(MPI_Iallgather(mine, 2, MPI_INT, asked.data(), 2, MPI_INT, comm, &request));
  peer::Wait(request, "the other ranks to ask for their shares");
  std::vector<int> rank_of_share;
  for (int r = 0; r < size; ++r) {
    if (asked[2 * r] < 0) continue;
    rank_of_share.resize(static_cast<std::size_t>(asked[2 * r + 1]), -1);
    rank_of_share[static_cast<std::size_t>(asked[2 * r])] = r;
  }
  const int n_shares = static_cast<int>(rank_of_share.size());
  AMPCF_ASSERT(std::find(rank_of_share.begin(), rank_of_share.end(), -1) == rank_of_share.end(), "every share asked for");

  // Where this rank's training pairs start among all: the sum of the lower ranks' counts.
  const std::int64_t pairs_here = part.train_offsets.back();
  std::int64_t first_train = 0;
  AMPCF_CHECK_MPI(MPI_Iexscan(&pairs_here, &first_train, 1, MPI_INT64_T, MPI_SUM, comm, &request));
  peer::Wait(request, "the other ranks' training counts");
  if (rank == 0) first_train = 0;  // MPI_Exscan leaves rank 0's undefined
  // This rank's users by share: shares are ascending in dense user order (data/user_share.h).
  std::vector<UserRange> to_share(static_cast<std::size_t>(n_shares), UserRange{part.held.end, part.held.end});
  for (std::int32_t u = part.held.begin; u < part.held.end; ++u) {
    const std::size_t l = static_cast<std::size_t>(u - part.held.begin);
    const int s = ShareOfUser(first_train + part.train_offsets[l], first_train + part.train_offsets[l + 1],
                              part.n_train, n_shares);
    UserRange& range = to_share[static_cast<std::size_t>(s)];
    if (range.begin == part.held.end) range.begin = u;
    range.end = u + 1;
  }
  std::vector<std::string> outgoing(static_cast<std::size_t>(n_shares));
  std::vector<MPI_Request> requests;
  for (int s = 0; s < n_shares; ++s) {
    UserRange range = to_share[static_cast<std::size_t>(s)];
    if (range.begin == part.held.end) range = {0, 0};
    if (rank_of_share[static_cast<std::size_t>(s)] == rank) continue;
    outgoing[static_cast<std::size_t>(s)] = Serialise(SliceOf(part, range));
    const std::string& bytes = outgoing[static_cast<std::size_t>(s)];
    IsendChunked(bytes.data(), static_cast<std::int64_t>(bytes.size()), MPI_CHAR, rank_of_share[static_cast<std::size_t>(s)],
                 kUsersTag, comm, requests);
  }
  Dataset share = ItemSideOf(part);
  if (index >= 0) {
    share.held = {-1, -1};
    for (int r = 0; r < size; ++r) {
      UserSlice slice;
      if (r == rank) {
        const UserRange range = to_share[static_cast<std::size_t>(index)];
        slice = SliceOf(part, range.begin == part.held.end ? UserRange{0, 0} : range);
      } else {
        MPI_Status first;
        peer::Probe(r, kUsersTag, comm, first, Cat("rank ", peer::WorldRankOf(comm, r), " to send this rank's users"));
        slice = Deserialise(RecvChunkedBytes(first, comm));
      }
      if (slice.held.size() == 0) continue;
      if (share.held.begin < 0) share.held = {slice.held.begin, slice.held.begin};
      Append(share, slice);
    }
    if (share.held.begin < 0) share.held = {0, 0};
  }
  peer::WaitAll(requests, "the other ranks to take their users");
  return share;
}

}  // namespace ampcf
