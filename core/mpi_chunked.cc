#include "core/mpi_chunked.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "core/counters.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"

namespace ampcf {

namespace {

constexpr std::int64_t kDefaultPieceLimit = std::int64_t{1} << 27;
static_assert(kDefaultPieceLimit < INT_MAX);
// AMPCF_TEST_PIECE_LIMIT: a small limit for a whole run, so multi-rank tests drive the pieces
// through the real servers (every rank of a job must see the same value).
std::int64_t InitialPieceLimit() {
  const char* text = std::getenv("AMPCF_TEST_PIECE_LIMIT");
  const std::int64_t limit = text == nullptr ? 0 : std::atoll(text);
  return limit > 0 && limit < kDefaultPieceLimit ? limit : kDefaultPieceLimit;
}
std::int64_t g_piece_limit = InitialPieceLimit();

// Internal tag of GatherChunked's point-to-point pieces (collective calls never match it).
constexpr int kGatherTag = 29001;

std::int64_t TypeSize(MPI_Datatype type) {
  int size = 0;
  AMPCF_CHECK_MPI(MPI_Type_size(type, &size));
  return size;
}

const char* At(const void* data, std::int64_t offset, MPI_Datatype type) {
  return static_cast<const char*>(data) + offset * TypeSize(type);
}
char* At(void* data, std::int64_t offset, MPI_Datatype type) { return static_cast<char*>(data) + offset * TypeSize(type); }

// What a wait for a message is waiting for, in world ranks (core/peer_wait.h).
std::string MessageFrom(int source, int tag, MPI_Comm comm) {
  return Cat("a message (tag ", tag, ") from rank ", peer::WorldRankOf(comm, source));
}
std::string MessageTo(int destination, int tag, MPI_Comm comm) {
  return Cat("rank ", peer::WorldRankOf(comm, destination), " to take a message (tag ", tag, ")");
}

}  // namespace

std::int64_t PieceLimit() { return g_piece_limit; }

void SetPieceLimitForTesting(std::int64_t elements) {
  AMPCF_ASSERT(elements >= 0 && elements < INT_MAX, "piece limit ", elements);
  g_piece_limit = elements == 0 ? kDefaultPieceLimit : elements;
}

std::vector<Piece> SplitPieces(std::int64_t n, std::int64_t limit) {
  AMPCF_ASSERT(n >= 0 && limit > 0, "pieces of ", n, " at most ", limit);
  std::vector<Piece> pieces;
  for (std::int64_t at = 0; at < n; at += limit) pieces.push_back({at, std::min(limit, n - at)});
  return pieces;
}

std::vector<Piece> MessagePieces(std::int64_t n, std::int64_t limit) {
  std::vector<Piece> pieces = SplitPieces(n, limit);
  if (n % limit == 0) pieces.push_back({n, 0});
  return pieces;
}

void SendChunked(const void* data, std::int64_t n, MPI_Datatype type, int destination, int tag, MPI_Comm comm) {
  std::vector<MPI_Request> requests;
  IsendChunked(data, n, type, destination, tag, comm, requests);
  peer::WaitAll(requests, MessageTo(destination, tag, comm));
}

namespace {

// Posts `post(piece, request)` for every piece of a self-delimiting message of n elements.
template <typename Post>
void PostPieces(std::int64_t n, std::vector<MPI_Request>& requests, Post&& post) {
  for (const Piece& p : MessagePieces(n, PieceLimit())) {
    requests.push_back(MPI_REQUEST_NULL);
    post(p, &requests.back());
  }
}

}  // namespace

void IsendChunked(const void* data, std::int64_t n, MPI_Datatype type, int destination, int tag, MPI_Comm comm,
                  std::vector<MPI_Request>& requests) {
  Counters().bytes_out += static_cast<double>(n * TypeSize(type));
  Counters().messages_out += 1;
  PostPieces(n, requests, [&](const Piece& p, MPI_Request* request) {
    AMPCF_CHECK_MPI(MPI_Isend(At(data, p.offset, type), static_cast<int>(p.count), type, destination, tag, comm, request));
  });
}

void IrecvChunked(void* data, std::int64_t n, MPI_Datatype type, int source, int tag, MPI_Comm comm,
                  std::vector<MPI_Request>& requests) {
  Counters().bytes_in += static_cast<double>(n * TypeSize(type));
  Counters().messages_in += 1;
  PostPieces(n, requests, [&](const Piece& p, MPI_Request* request) {
    AMPCF_CHECK_MPI(MPI_Irecv(At(data, p.offset, type), static_cast<int>(p.count), type, source, tag, comm, request));
  });
}

std::vector<char> RecvChunkedBytes(const MPI_Status& first, MPI_Comm comm) {
  const std::int64_t limit = PieceLimit();
  std::vector<char> bytes;
  MPI_Status status = first;
  while (true) {
    int count = 0;
    AMPCF_CHECK_MPI(MPI_Get_count(&status, MPI_CHAR, &count));
    const std::size_t at = bytes.size();
    bytes.resize(at + count);
    MPI_Request request;
    AMPCF_CHECK_MPI(MPI_Irecv(bytes.data() + at, count, MPI_CHAR, first.MPI_SOURCE, first.MPI_TAG, comm, &request));
    peer::Wait(request, MessageFrom(first.MPI_SOURCE, first.MPI_TAG, comm));
    if (count < limit) {
      Counters().bytes_in += static_cast<double>(bytes.size());
      Counters().messages_in += 1;
      return bytes;
    }
    peer::Probe(first.MPI_SOURCE, first.MPI_TAG, comm, status, MessageFrom(first.MPI_SOURCE, first.MPI_TAG, comm));
  }
}

std::int64_t RecvChunked(void* data, std::int64_t capacity, MPI_Datatype type, int source, int tag, MPI_Comm comm) {
  const std::int64_t limit = PieceLimit();
  std::int64_t received = 0;
  while (true) {
    const std::int64_t room = std::min(limit, capacity - received);
    MPI_Status status;
    MPI_Request request;
    AMPCF_CHECK_MPI(MPI_Irecv(At(data, received, type), static_cast<int>(room), type, source, tag, comm, &request));
    peer::Wait(request, MessageFrom(source, tag, comm), &status);
    int count = 0;
    AMPCF_CHECK_MPI(MPI_Get_count(&status, type, &count));
    received += count;
    if (count < limit) {
      Counters().bytes_in += static_cast<double>(received * TypeSize(type));
      Counters().messages_in += 1;
      return received;
    }
  }
}

void BcastChunked(void* data, std::int64_t n, MPI_Datatype type, int root, MPI_Comm comm) {
  for (const Piece& p : SplitPieces(n, PieceLimit()))
    peer::Bcast(At(data, p.offset, type), static_cast<int>(p.count), type, root, comm,
                Cat("a broadcast from rank ", peer::WorldRankOf(comm, root)));
}

std::vector<std::int64_t> GatherCounts(std::int64_t n, int root, MPI_Comm comm) {
  int rank = 0, size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size));
  std::vector<std::int64_t> counts(rank == root ? size : 0);
  peer::Gather(&n, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, root, comm, "the ranks of a gather");
  return counts;
}

void GatherChunked(const void* data, std::int64_t n, MPI_Datatype type, void* out,
                   const std::vector<std::int64_t>& counts, int root, MPI_Comm comm) {
  int rank = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  if (rank != root) {
    SendChunked(data, n, type, root, kGatherTag, comm);
    return;
  }
  std::int64_t offset = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (static_cast<int>(r) == root) {
      if (n > 0) std::memcpy(At(out, offset, type), data, n * TypeSize(type));
    } else {
      const std::int64_t got = RecvChunked(At(out, offset, type), counts[r], type, static_cast<int>(r), kGatherTag, comm);
      AMPCF_ASSERT(got == counts[r], "rank ", r, " sent ", got, " elements, announced ", counts[r]);
    }
    offset += counts[r];
  }
}

}  // namespace ampcf
