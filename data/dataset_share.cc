#include "data/dataset_share.h"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <sstream>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>  // malloc_trim
#endif

#include "core/mpi_chunked.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "data/parallel_parse.h"
#include "data/share_moves.h"
#include "data/prepared_file.h"
#include "data/user_share.h"

namespace boost::serialization {

template <class Archive>
void serialize(Archive& archive, ampcf::Dataset& d, unsigned /*version*/) {
  archive& d.name& d.holdout& d.n_users& d.n_items& d.n_train& d.total_interactions& d.fingerprint;
  archive& d.item_ids& d.item_names& d.item_train_counts& d.item_validation_counts;
  archive& d.eval_seed& d.eval_negatives& d.test_candidates_stored;
  archive& d.held.begin& d.held.end& d.user_ids& d.user_names& d.train_offsets& d.train_items& d.val_item& d.test_item;
  archive& d.test_candidate_offsets& d.test_candidates;
}

}  // namespace boost::serialization

namespace ampcf {

namespace {

constexpr int kShareTag = 0x5a4e;

void SendBytes(const std::string& bytes, int to, MPI_Comm comm) {
  SendChunked(bytes.data(), static_cast<std::int64_t>(bytes.size()), MPI_CHAR, to, kShareTag, comm);
}

std::string ReceiveBytes(int from, MPI_Comm comm) {
  MPI_Status first;
  peer::Probe(from, kShareTag, comm, first,
              Cat("rank ", peer::WorldRankOf(comm, from), " to send this rank's share of the data (it parses text input alone)"));
  const std::vector<char> bytes = RecvChunkedBytes(first, comm);
  return std::string(bytes.begin(), bytes.end());
}

UserRange ShareOf(const Dataset& whole, int index, int shares) {
  return ShareOfUsers(whole.n_users, index, shares, [&](std::int32_t u) { return whole.train_offsets[u]; });
}

}  // namespace

std::string SerialiseDataset(const Dataset& data) {
  std::ostringstream out;
  {
    boost::archive::binary_oarchive archive(out);
    archive << data;
  }
  return out.str();
}

Dataset DeserialiseDataset(const std::string& bytes) {
  std::istringstream in(bytes);
  boost::archive::binary_iarchive archive(in);
  Dataset data;
  archive >> data;
  return data;
}

DatasetSource::DatasetSource(const DataConfig& config, MPI_Comm comm) : config_(config), comm_(comm) {
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank_));
}

void DatasetSource::Open(int user_ranks) {
  prepared_ = IsPreparedFile(config_.data);
  int size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_size(comm_, &size));
  // Every rank parses where every rank can: each asks, and the answers are agreed.
  int splittable = !prepared_ && size > 1 && ParsesInParallel(config_) ? 1 : 0;
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &splittable, 1, MPI_INT, MPI_MIN, comm_));
  parallel_ = splittable != 0;
  if (parallel_) {
    part_ = ParseInParallel(config_, user_ranks, comm_);
    description_ = ItemSideOf(*part_);
    described_ = true;
  } else if (prepared_) {
    description_ = ReadPreparedDescription(config_.data);
    described_ = true;
  } else if (rank_ == 0) {
    whole_ = LoadDataset(config_);
  }
}

const Dataset& DatasetSource::Description() {
  if (described_) return description_;
  std::string bytes;
  if (rank_ == 0) bytes = SerialiseDataset(TakeUsers(*whole_, {0, 0}));
  BroadcastString(bytes, 0, comm_);
  description_ = DeserialiseDataset(bytes);
  described_ = true;
  return description_;
}

const char* DatasetSource::HowRead() const {
  if (prepared_) return "read from a prepared file";
  return parallel_ ? "parsed by every rank" : "parsed by rank 0";
}

Dataset DatasetSource::TakeShare(int index, int shares) {
  Dataset share = MoveShare(index, shares);
#if defined(__GLIBC__)
  // Parsing freed many small blocks (each user's rows), which glibc keeps below the blocks still
  // live instead of returning them: 79 MB of a worker's 127 MB after parsing 400k users on 4 ranks.
  malloc_trim(0);
#endif
  return share;
}

Dataset DatasetSource::MoveShare(int index, int shares) {
  AMPCF_ASSERT(described_, "Description() comes first");
  if (parallel_) {
    Dataset share = MoveToShares(std::move(*part_), index, shares, comm_);
    part_.reset();
    return share;
  }
  if (prepared_) {
    Dataset data = description_;
    if (index >= 0) ReadPreparedUsers(config_.data, ReadPreparedShare(config_.data, data, index, shares), data);
    return data;
  }
  int size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_size(comm_, &size));
  int mine[2] = {index, shares};
  std::vector<int> wanted(rank_ == 0 ? 2 * size : 0);
  peer::Gather(mine, 2, MPI_INT, wanted.data(), 2, MPI_INT, 0, comm_, "the other ranks to ask for their shares");
  if (rank_ != 0) return DeserialiseDataset(ReceiveBytes(0, comm_));
  for (int r = 1; r < size; ++r) {
    const UserRange range = wanted[2 * r] >= 0 ? ShareOf(*whole_, wanted[2 * r], wanted[2 * r + 1]) : UserRange{0, 0};
    SendBytes(SerialiseDataset(TakeUsers(*whole_, range)), r, comm_);
  }
  const UserRange range = index >= 0 ? ShareOf(*whole_, index, shares) : UserRange{0, 0};
  // One rank holding every user (no mpirun) keeps the parsed data as it is: no second copy.
  Dataset own = range.begin == 0 && range.end == whole_->n_users ? std::move(*whole_) : TakeUsers(*whole_, range);
  whole_.reset();
  return own;
}

}  // namespace ampcf
