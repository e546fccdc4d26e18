#include "core/peer_wait.h"

#include <chrono>
#include <thread>

#include "core/counters.h"

namespace ampcf::peer {

namespace {

MPI_Comm roll_comm = MPI_COMM_NULL;  // a duplicate of MPI_COMM_WORLD: roll calls never match other messages
double timeout_seconds = 300;
constexpr int kRollCallTag = 1, kPresentTag = 2;
// Polls that spin before each further poll yields the core; polls between two looks at the clock
// and at roll calls.
constexpr unsigned kSpinPolls = 100, kPollsPerCheck = 64;
// How long a roll call waits for answers: ranks in a wait answer within a poll.
constexpr double kRollCallSeconds = 3.0;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The world ranks that do not answer a roll call within kRollCallSeconds.
std::vector<int> Absent() {
  int size = 1, me = 0;
  AMPCF_CHECK_MPI(MPI_Comm_size(roll_comm, &size));
  AMPCF_CHECK_MPI(MPI_Comm_rank(roll_comm, &me));
  std::vector<char> present(size, 0);
  present[me] = 1;
  for (int r = 0; r < size; ++r) {
    if (r == me) continue;
    MPI_Request request;  // 0 bytes go eagerly; a stopped receiver does not hold the sender
    AMPCF_CHECK_MPI(MPI_Isend(nullptr, 0, MPI_CHAR, r, kRollCallTag, roll_comm, &request));
    AMPCF_CHECK_MPI(MPI_Request_free(&request));
  }
  int answered = 1;
  const auto start = Clock::now();
  while (answered < size && SecondsSince(start) < kRollCallSeconds) {
    AnswerRollCall();  // ranks that time out together call each other
    int flag = 0;
    MPI_Status status;
    AMPCF_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, kPresentTag, roll_comm, &flag, &status));
    if (!flag) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, status.MPI_SOURCE, kPresentTag, roll_comm, MPI_STATUS_IGNORE));
    if (!present[status.MPI_SOURCE]) ++answered;
    present[status.MPI_SOURCE] = 1;
  }
  std::vector<int> absent;
  for (int r = 0; r < size; ++r)
    if (!present[r]) absent.push_back(r);
  return absent;
}

[[noreturn]] void EndJob(double waited, const std::string& what) {
  std::string verdict;
  if (roll_comm != MPI_COMM_NULL) {
    const std::vector<int> absent = Absent();
    if (absent.empty()) {
      verdict = "; every rank answered a roll call (a deadlock, not a lost rank)";
    } else {
      verdict = absent.size() == 1 ? "; no answer to a roll call from rank " : "; no answer to a roll call from ranks ";
      for (std::size_t i = 0; i < absent.size(); ++i) verdict += Cat(i ? ", " : "", absent[i]);
      verdict += " (stopped, hung or cut off)";
    }
  }
  AbortJob(Cat("waited ", static_cast<int>(waited), " s (--peer-timeout ", timeout_seconds, ") for ", what, verdict));
}

// Polls `done` until it returns true, answering roll calls and keeping the deadline.
template <typename Done>
void PollUntil(Done&& done, const std::string& what) {
  const auto start = Clock::now();
  CountSeconds blocked(Counters().blocked_seconds);
  for (unsigned polls = 0;; ++polls) {
    if (done()) return;
    if (polls > kSpinPolls) std::this_thread::yield();
    if (polls % kPollsPerCheck == kPollsPerCheck - 1) {
      AnswerRollCall();
      CheckDeadline(SecondsSince(start), what);
    }
  }
}

}  // namespace

void Start() {
  if (roll_comm == MPI_COMM_NULL) AMPCF_CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &roll_comm));
}

void SetTimeout(double seconds) { timeout_seconds = seconds; }
double Timeout() { return timeout_seconds; }

void WaitAll(std::vector<MPI_Request>& requests, const std::string& what) {
  PollUntil(
      [&] {
        int flag = 0;
        AMPCF_CHECK_MPI(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &flag, MPI_STATUSES_IGNORE));
        return flag != 0;
      },
      what);
  requests.clear();
}

void Wait(MPI_Request& request, const std::string& what, MPI_Status* status) {
  PollUntil(
      [&] {
        int flag = 0;
        AMPCF_CHECK_MPI(MPI_Test(&request, &flag, status));
        return flag != 0;
      },
      what);
}

void Probe(int source, int tag, MPI_Comm comm, MPI_Status& status, const std::string& what) {
  PollUntil(
      [&] {
        int flag = 0;
        AMPCF_CHECK_MPI(MPI_Iprobe(source, tag, comm, &flag, &status));
        return flag != 0;
      },
      what);
}

void Allreduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm,
               const std::string& what) {
  MPI_Request request;
  AMPCF_CHECK_MPI(MPI_Iallreduce(send, receive, count, type, op, comm, &request));
  Wait(request, what);
}

void Barrier(MPI_Comm comm, const std::string& what) {
  MPI_Request request;
  AMPCF_CHECK_MPI(MPI_Ibarrier(comm, &request));
  Wait(request, what);
}

void Bcast(void* data, int count, MPI_Datatype type, int root, MPI_Comm comm, const std::string& what) {
  MPI_Request request;
  AMPCF_CHECK_MPI(MPI_Ibcast(data, count, type, root, comm, &request));
  Wait(request, what);
}

void Gather(const void* send, int send_count, MPI_Datatype send_type, void* receive, int receive_count,
            MPI_Datatype receive_type, int root, MPI_Comm comm, const std::string& what) {
  MPI_Request request;
  AMPCF_CHECK_MPI(
      MPI_Igather(send, send_count, send_type, receive, receive_count, receive_type, root, comm, &request));
  Wait(request, what);
}

void AnswerRollCall() {
  if (roll_comm == MPI_COMM_NULL) return;
  while (true) {
    int flag = 0;
    MPI_Status status;
    AMPCF_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, kRollCallTag, roll_comm, &flag, &status));
    if (!flag) return;
    AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, status.MPI_SOURCE, kRollCallTag, roll_comm, MPI_STATUS_IGNORE));
    MPI_Request request;
    AMPCF_CHECK_MPI(MPI_Isend(nullptr, 0, MPI_CHAR, status.MPI_SOURCE, kPresentTag, roll_comm, &request));
    AMPCF_CHECK_MPI(MPI_Request_free(&request));
  }
}

void CheckDeadline(double waited_seconds, const std::string& what) {
  if (timeout_seconds > 0 && waited_seconds > timeout_seconds) EndJob(waited_seconds, what);
}

int WorldRankOf(MPI_Comm comm, int rank) {
  if (comm == MPI_COMM_WORLD || rank < 0) return rank;
  MPI_Group group, world;
  AMPCF_CHECK_MPI(MPI_Comm_group(comm, &group));
  AMPCF_CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world));
  int world_rank = rank;
  AMPCF_CHECK_MPI(MPI_Group_translate_ranks(group, 1, &rank, world, &world_rank));
  MPI_Group_free(&group);
  MPI_Group_free(&world);
  return world_rank;
}

}  // namespace ampcf::peer
