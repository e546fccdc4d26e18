#include "core/peer_wait.h"

#include <chrono>
#include <cstring>
#include <list>
#include <optional>
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
// Pace::kSleep's pause between polls: well below a training step (about a millisecond).
constexpr auto kPatientSleep = std::chrono::microseconds(50);
// A wait that has lasted this long sleeps between polls whatever its pace: it waits for a peer's
// work (preparing its users, a slow step), which may need the core that yielding would hold.
constexpr double kSleepAfterSeconds = 0.01;
// How long a roll call waits for answers: ranks in a wait answer within a poll.
constexpr double kRollCallSeconds = 3.0;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// This rank's state for roll calls (peer_wait.h: SetRole, Waiting, NoteProgress).
std::string role;
std::int64_t steps_done = -1;  // -1: no step noted
const Waiting* innermost_wait = nullptr;
bool watching_progress = false;
bool ending = false;  // EndJob has begun: roll-call answers say so
constexpr const char* kEnding = "ending the job: ";
// How long a rank that is ending the job leaves a lower rank, ending it too, to print the line.
constexpr double kDeferSeconds = 5.0;
Clock::time_point last_progress = Clock::now();
// Roll-call answers in flight: MPI reads an answer's text until its send completes.
std::list<std::pair<MPI_Request, std::string>> answers;

// Answers roll calls for `seconds`, sleeping between looks.
void AnswerRollCallsFor(double seconds) {
  for (const auto start = Clock::now(); SecondsSince(start) < seconds;) {
    AnswerRollCall();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

double Now() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

// Every rank's state by a roll call (peer_wait.h: State), or nothing for a rank that does not
// answer within kRollCallSeconds.
std::vector<std::optional<std::string>> RollCall() {
  int size = 1, me = 0;
  AMPCF_CHECK_MPI(MPI_Comm_size(roll_comm, &size));
  AMPCF_CHECK_MPI(MPI_Comm_rank(roll_comm, &me));
  std::vector<std::optional<std::string>> states(size);
  states[me] = State();
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
    int length = 0;
    AMPCF_CHECK_MPI(MPI_Get_count(&status, MPI_CHAR, &length));
    std::string state(static_cast<std::size_t>(length), '\0');
    AMPCF_CHECK_MPI(MPI_Recv(state.data(), length, MPI_CHAR, status.MPI_SOURCE, kPresentTag, roll_comm,
                             MPI_STATUS_IGNORE));
    if (!states[status.MPI_SOURCE]) ++answered;
    states[status.MPI_SOURCE] = std::move(state);
  }
  return states;
}

// Ends the job: `why` (this rank's reason), then what a roll call finds of every rank.
// When several ranks end the job at once, the lowest of them prints the line; the others wait for
// its MPI_Abort (and print theirs only if it does not come).
// `states`: a roll call's, if one was just held.
[[noreturn]] void EndJob(const std::string& why, std::vector<std::optional<std::string>> states = {}) {
  std::string verdict;
  if (roll_comm != MPI_COMM_NULL) {
    ending = true;
    if (states.empty()) states = RollCall();
    int me = 0;
    AMPCF_CHECK_MPI(MPI_Comm_rank(roll_comm, &me));
    const auto lower_ending = [&](const std::vector<std::optional<std::string>>& seen) {
      for (int r = 0; r < me; ++r)
        if (seen[r] && seen[r]->rfind(kEnding, 0) == 0) return true;
      return false;
    };
    const auto all_answered = [&] {
      for (const auto& state : states)
        if (!state) return false;
      return true;
    };
    // Ranks that time out together may each hold their roll call before the other says it is
    // ending: where every rank answers (a roll call is then quick), look once more.
    bool defer = lower_ending(states);
    if (!defer && me > 0 && all_answered()) {
      AnswerRollCallsFor(0.5);
      defer = lower_ending(RollCall());
    }
    if (defer) AnswerRollCallsFor(kDeferSeconds);
    std::vector<int> absent;
    std::string present;
    for (std::size_t r = 0; r < states.size(); ++r) {
      if (!states[r]) {
        absent.push_back(static_cast<int>(r));
        continue;
      }
      const bool also_ending = states[r]->rfind(kEnding, 0) == 0;
      present += Cat("; rank ", r, " ", also_ending ? states[r]->substr(std::strlen(kEnding)) : *states[r]);
    }
    if (absent.empty()) {
      verdict = "; every rank answered a roll call (a deadlock or livelock, not a lost rank)";
    } else {
      verdict = absent.size() == 1 ? "; no answer to a roll call from rank " : "; no answer to a roll call from ranks ";
      for (std::size_t i = 0; i < absent.size(); ++i) verdict += Cat(i ? ", " : "", absent[i]);
      verdict += " (stopped, hung or cut off)";
    }
    verdict += present;
  }
  AbortJob(why + verdict);
}

// Polls `done` until it returns true, answering roll calls and keeping the deadline.
template <typename Done>
void PollUntil(Done&& done, const std::string& what, Pace pace = Pace::kYield) {
  const auto start = Clock::now();
  CountSeconds blocked(Counters().blocked_seconds);
  const Waiting waiting(what);
  for (unsigned polls = 0;; ++polls) {
    if (done()) return;
    if (polls > kSpinPolls) {
      if (pace == Pace::kSleep)
        std::this_thread::sleep_for(kPatientSleep);
      else
        std::this_thread::yield();
    }
    if (polls % kPollsPerCheck == kPollsPerCheck - 1) {
      AnswerRollCall();
      const double waited = SecondsSince(start);
      CheckDeadline(waited, what);
      if (waited > kSleepAfterSeconds) pace = Pace::kSleep;
    }
  }
}

}  // namespace

void Start() {
  if (roll_comm == MPI_COMM_NULL) AMPCF_CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &roll_comm));
}

void SetTimeout(double seconds) { timeout_seconds = seconds; }
double Timeout() { return timeout_seconds; }

void WaitAll(std::vector<MPI_Request>& requests, const std::string& what, Pace pace) {
  PollUntil(
      [&] {
        int flag = 0;
        AMPCF_CHECK_MPI(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &flag, MPI_STATUSES_IGNORE));
        return flag != 0;
      },
      what, pace);
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
  for (auto it = answers.begin(); it != answers.end();) {
    int flag = 0;
    AMPCF_CHECK_MPI(MPI_Test(&it->first, &flag, MPI_STATUS_IGNORE));
    it = flag ? answers.erase(it) : std::next(it);
  }
  while (true) {
    int flag = 0;
    MPI_Status status;
    AMPCF_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, kRollCallTag, roll_comm, &flag, &status));
    if (!flag) return;
    AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, status.MPI_SOURCE, kRollCallTag, roll_comm, MPI_STATUS_IGNORE));
    auto& answer = answers.emplace_back(MPI_REQUEST_NULL, State());
    AMPCF_CHECK_MPI(MPI_Isend(answer.second.data(), static_cast<int>(answer.second.size()), MPI_CHAR,
                              status.MPI_SOURCE, kPresentTag, roll_comm, &answer.first));
  }
}

void CheckDeadline(double waited_seconds, const std::string& what) {
  if (timeout_seconds <= 0) return;
  if (waited_seconds > timeout_seconds)
    EndJob(Cat("waited ", static_cast<int>(waited_seconds), " s (--peer-timeout ", timeout_seconds, ") for ", what));
  const double stalled = SecondsSince(last_progress);
  if (watching_progress && stalled > timeout_seconds)
    EndJob(Cat("no training step completed for ", static_cast<int>(stalled), " s (--peer-timeout ", timeout_seconds,
               "), now waiting for ", what));
}

bool CheckCutOff(double waited_seconds, const std::string& what) {
  if (timeout_seconds <= 0 || waited_seconds <= timeout_seconds || roll_comm == MPI_COMM_NULL) return false;
  const std::vector<std::optional<std::string>> states = RollCall();
  int me = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(roll_comm, &me));
  for (std::size_t r = 0; r < states.size(); ++r)
    if (static_cast<int>(r) != me && states[r]) return true;
  if (states.size() > 1)
    EndJob(Cat("waited ", static_cast<int>(waited_seconds), " s (--peer-timeout ", timeout_seconds, ") for ", what),
           states);
  return true;
}

void SetRole(const std::string& name) { role = name; }

Waiting::Waiting(const std::string& what) : outer_(innermost_wait), what_(what), start_(Now()) { innermost_wait = this; }
Waiting::~Waiting() { innermost_wait = outer_; }

std::string State() {
  std::string state = role.empty() ? std::string("(starting)") : role;
  if (ending) state = kEnding + state;
  if (steps_done >= 0) state += Cat(" after step ", steps_done);
  if (innermost_wait == nullptr) return state + ": computing";
  return state + Cat(": waits ", static_cast<int>(Now() - innermost_wait->start_), " s for ", innermost_wait->what_);
}

void NoteProgress(std::int64_t steps) {
  steps_done = steps;
  last_progress = Clock::now();
}

WatchProgress::WatchProgress() {
  watching_progress = true;
  last_progress = Clock::now();
}
WatchProgress::~WatchProgress() { watching_progress = false; }

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
