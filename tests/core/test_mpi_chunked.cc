// core/mpi_chunked.h with an artificial piece limit of 7 elements: the piece boundaries as a pure
// function, then round trips through MPI. Runs on any number of ranks (ctest also runs it on 2).
#include <gtest/gtest.h>
#include <mpi.h>

#include <numeric>

#include "core/gather.h"
#include "core/mpi_chunked.h"

namespace ampcf {
namespace {

// Sets a small piece limit for one test, and restores the default after it.
class SmallPieces {
 public:
  explicit SmallPieces(std::int64_t limit) { SetPieceLimitForTesting(limit); }
  ~SmallPieces() { SetPieceLimitForTesting(0); }
};

using PieceList = std::vector<std::pair<std::int64_t, std::int64_t>>;

PieceList Bounds(const std::vector<Piece>& pieces) {
  PieceList bounds;
  for (const Piece& p : pieces) bounds.emplace_back(p.offset, p.count);
  return bounds;
}

TEST(MpiChunked, SplitPiecesCoverTheBufferInOrder) {
  EXPECT_EQ(Bounds(SplitPieces(0, 7)), PieceList{});
  EXPECT_EQ(Bounds(SplitPieces(5, 7)), (PieceList{{0, 5}}));
  EXPECT_EQ(Bounds(SplitPieces(7, 7)), (PieceList{{0, 7}}));
  EXPECT_EQ(Bounds(SplitPieces(15, 7)), (PieceList{{0, 7}, {7, 7}, {14, 1}}));
  // 64-bit lengths: 2^31 + 3 elements at the default limit.
  const std::int64_t big = (std::int64_t{1} << 31) + 3;
  const std::vector<Piece> pieces = SplitPieces(big, PieceLimit());
  ASSERT_EQ(pieces.size(), 17u);
  EXPECT_EQ(pieces.back().offset + pieces.back().count, big);
  for (const Piece& p : pieces) EXPECT_LT(p.count, std::int64_t{INT32_MAX});
}

TEST(MpiChunked, MessagePiecesEndWithAShortPiece) {
  EXPECT_EQ(Bounds(MessagePieces(0, 7)), (PieceList{{0, 0}}));
  EXPECT_EQ(Bounds(MessagePieces(6, 7)), (PieceList{{0, 6}}));
  EXPECT_EQ(Bounds(MessagePieces(7, 7)), (PieceList{{0, 7}, {7, 0}}));
  EXPECT_EQ(Bounds(MessagePieces(16, 7)), (PieceList{{0, 7}, {7, 7}, {14, 2}}));
}

TEST(MpiChunked, SelfSendAndReceive) {
  SmallPieces small(7);
  for (std::int64_t n : {0, 1, 7, 14, 30}) {
    std::vector<float> sent(n), received(n + 3, -1.0f);
    std::iota(sent.begin(), sent.end(), 0.5f);
    std::vector<MPI_Request> requests;
    IsendChunked(sent.data(), n, MPI_FLOAT, 0, 5, MPI_COMM_SELF, requests);
    EXPECT_EQ(requests.size(), MessagePieces(n, 7).size());
    EXPECT_EQ(RecvChunked(received.data(), n + 3, MPI_FLOAT, 0, 5, MPI_COMM_SELF), n);
    MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
    EXPECT_TRUE(std::equal(sent.begin(), sent.end(), received.begin())) << n;
    EXPECT_EQ(received[n], -1.0f) << "nothing written past the message";

    // Bytes of unknown length, as a server receives them.
    std::vector<char> bytes(n * 3);
    std::iota(bytes.begin(), bytes.end(), char(1));
    requests.clear();
    IsendChunked(bytes.data(), n * 3, MPI_CHAR, 0, 6, MPI_COMM_SELF, requests);
    MPI_Status status;
    MPI_Probe(0, 6, MPI_COMM_SELF, &status);
    EXPECT_EQ(RecvChunkedBytes(status, MPI_COMM_SELF), bytes) << n;
    MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  }
}

TEST(MpiChunked, BroadcastAndGatherOverTheWorld) {
  SmallPieces small(7);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<double> values(23, 0.0);
  if (rank == 0) std::iota(values.begin(), values.end(), 1.0);
  BcastChunked(values.data(), 23, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  EXPECT_EQ(values[22], 23.0);

  // Rank r gives r + 9 values r * 100 + i: 9 and more cross a piece boundary.
  std::vector<std::int32_t> mine(rank + 9);
  std::iota(mine.begin(), mine.end(), rank * 100);
  const std::vector<std::int32_t> all =
      GatherChunked(mine.data(), static_cast<std::int64_t>(mine.size()), MPI_INT32_T, 0, MPI_COMM_WORLD);
  if (rank != 0) {
    EXPECT_TRUE(all.empty());
    return;
  }
  std::size_t at = 0;
  for (int r = 0; r < size; ++r)
    for (int i = 0; i < r + 9; ++i) EXPECT_EQ(all[at++], r * 100 + i);
  EXPECT_EQ(at, all.size());
}

TEST(MpiChunked, GatherLinesInRankOrder) {
  SmallPieces small(7);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::vector<std::string> mine = {"user-" + std::to_string(rank), "", "long name of rank " + std::to_string(rank)};
  const std::vector<std::string> all = GatherLines(MPI_COMM_WORLD, mine);
  if (rank != 0) return;
  ASSERT_EQ(all.size(), 3u * size);
  for (int r = 0; r < size; ++r) {
    EXPECT_EQ(all[3 * r], "user-" + std::to_string(r));
    EXPECT_EQ(all[3 * r + 1], "");
  }
}

}  // namespace
}  // namespace ampcf
