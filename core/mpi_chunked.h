// MPI transfers of any length: MPI counts are int, so a buffer of 2^31 elements or more (a pull
// reply of the whole item table passes 2 GiB past ~8M items per server) goes as several pieces
// of at most PieceLimit() elements each. Sizes and offsets are 64-bit throughout.
#pragma once

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ampcf {

// The most elements one MPI call carries: 2^27 by default (1 GiB of 8-byte values, well below
// INT_MAX and below the 2 GiB some transports still trip on), or $AMPCF_TEST_PIECE_LIMIT.
std::int64_t PieceLimit();
// Tests only: a tiny limit drives the splitting on small buffers; 0 restores the default. Every
// rank of a transfer must use the same limit.
void SetPieceLimitForTesting(std::int64_t elements);

struct Piece {
  std::int64_t offset = 0, count = 0;
};
// Pieces of `n` elements of at most `limit` each, in order, covering [0, n) (none for n = 0):
// for transfers whose length both sides know.
std::vector<Piece> SplitPieces(std::int64_t n, std::int64_t limit);
// The same, self-delimiting for a receiver that does not know `n`: every piece but the last is
// exactly `limit` long, so a shorter one (empty when `limit` divides n, also for n = 0) ends it.
std::vector<Piece> MessagePieces(std::int64_t n, std::int64_t limit);

// Point-to-point, self-delimiting (MessagePieces): the receiver needs no length. Pieces of one
// message share (source, tag, comm), which MPI keeps in order; a sender must not interleave two
// messages of one tag to one destination.
void SendChunked(const void* data, std::int64_t n, MPI_Datatype type, int destination, int tag, MPI_Comm comm);
// Non-blocking: appends one request per piece; `data` must live until they complete.
void IsendChunked(const void* data, std::int64_t n, MPI_Datatype type, int destination, int tag, MPI_Comm comm,
                  std::vector<MPI_Request>& requests);
// Non-blocking receive of a message of exactly `n` elements (a reply whose length the receiver
// knows): posted before the message arrives, so that a large one flows while the receiver
// computes. Appends one request per piece; `data` must live until they complete.
void IrecvChunked(void* data, std::int64_t n, MPI_Datatype type, int source, int tag, MPI_Comm comm,
                  std::vector<MPI_Request>& requests);
// Receives one whole message of bytes (type MPI_CHAR) whose first piece was matched by `status`
// of an MPI_Probe/MPI_Iprobe.
std::vector<char> RecvChunkedBytes(const MPI_Status& first, MPI_Comm comm);
// Receives a message of at most `capacity` elements into `data`; returns its length.
std::int64_t RecvChunked(void* data, std::int64_t capacity, MPI_Datatype type, int source, int tag, MPI_Comm comm);

// Collective: `n` elements (the same n on every rank) from `root` to every rank of comm.
void BcastChunked(void* data, std::int64_t n, MPI_Datatype type, int root, MPI_Comm comm);
// Collective: every rank's `n`, on root (elsewhere: empty).
std::vector<std::int64_t> GatherCounts(std::int64_t n, int root, MPI_Comm comm);
// Collective: each rank's `n` elements, concatenated in rank order into `out` on root, which
// holds the sum of `counts` (GatherCounts) elements; `out` and `counts` are unused elsewhere.
void GatherChunked(const void* data, std::int64_t n, MPI_Datatype type, void* out,
                   const std::vector<std::int64_t>& counts, int root, MPI_Comm comm);

// Both steps: every rank's elements in rank order on root (elsewhere: empty).
template <typename T>
std::vector<T> GatherChunked(const T* data, std::int64_t n, MPI_Datatype type, int root, MPI_Comm comm) {
  const std::vector<std::int64_t> counts = GatherCounts(n, root, comm);
  std::int64_t total = 0;
  for (std::int64_t c : counts) total += c;
  std::vector<T> out(static_cast<std::size_t>(total));
  GatherChunked(data, n, type, out.data(), counts, root, comm);
  return out;
}

}  // namespace ampcf
