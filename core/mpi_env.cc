#include "core/mpi_env.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/mpi_chunked.h"

namespace ampcf {

namespace {

constexpr unsigned kAbortSeconds = 5;    // how long MPI_Abort may take before the process ends itself
constexpr unsigned kDaemonSeconds = 10;  // how long the node's daemon may outlive an ended job
std::vector<std::string> removed_on_abort;  // RemoveOnAbort's paths
pid_t node_daemon = 0;                  // this rank's Open MPI daemon (orted), if it has one
int abort_code = 3;

// The parent process if it is a remote node's Open MPI daemon.
pid_t NodeDaemon() {
  const pid_t parent = getppid();
  std::FILE* file = std::fopen(Cat("/proc/", parent, "/comm").c_str(), "r");
  if (file == nullptr) return 0;
  char name[32] = {};
  const bool read = std::fgets(name, sizeof(name), file) != nullptr;
  std::fclose(file);
  return read && std::string(name) == "orted\n" ? parent : 0;
}

bool IsDaemon(pid_t pid) {  // only async-signal-safe calls: used after fork()
  char path[64] = "/proc/";
  char digits[24];
  int n = 0;
  for (long v = pid; v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
  int at = 6;
  while (n > 0) path[at++] = digits[--n];
  const char suffix[] = "/comm";
  for (char c : suffix) path[at++] = c;
  const int fd = open(path, O_RDONLY);
  if (fd < 0) return false;
  char name[8] = {};
  const ssize_t got = read(fd, name, sizeof(name));
  close(fd);
  return got == 6 && std::memcmp(name, "orted\n", 6) == 0;
}

// On a node cut off from mpirun, the node's daemon waits for mpirun for ever once this rank has
// ended. A process of its own, which outlives this rank, ends the daemon if it is still there
// kDaemonSeconds later (by then a reachable mpirun has ended it).
void EndDaemonLater(pid_t daemon) {
  const pid_t child = fork();
  if (child != 0) {
    if (child > 0) waitpid(child, nullptr, 0);
    return;
  }
  setsid();
  if (fork() != 0) _exit(0);
  for (int fd = 0; fd < 1024; ++fd) close(fd);  // no pipe of the daemon's stays open through it
  sleep(kDaemonSeconds);
  if (IsDaemon(daemon)) kill(daemon, SIGKILL);
  _exit(0);
}

// MPI_Abort did not end this process in time: its node is cut off from mpirun.
void OnAbortTimeout(int) {
  if (node_daemon > 0) kill(node_daemon, SIGKILL);
  _exit(abort_code);
}

}  // namespace

int WorldRank() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return 0;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int WorldSize() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return 1;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

RemoveOnAbort::RemoveOnAbort(const std::string& path) : path_(path) { removed_on_abort.push_back(path); }
RemoveOnAbort::~RemoveOnAbort() {
  const auto it = std::find(removed_on_abort.rbegin(), removed_on_abort.rend(), path_);
  if (it != removed_on_abort.rend()) removed_on_abort.erase(std::next(it).base());
}

void AbortJob(const std::string& message, int code) {
  std::fprintf(stderr, "ampcf: rank %d: %s\n", WorldRank(), message.c_str());
  std::fflush(stderr);
  for (const std::string& path : removed_on_abort) std::remove(path.c_str());
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  // MPI_Abort asks mpirun to end the job, through this node's daemon. On a node cut off from
  // mpirun that request never returns: the alarm then ends this process and the daemon.
  abort_code = code;
  node_daemon = NodeDaemon();
  if (node_daemon > 0) EndDaemonLater(node_daemon);
  std::signal(SIGALRM, OnAbortTimeout);
  alarm(kAbortSeconds);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

void BroadcastString(std::string& text, int root, MPI_Comm comm) {
  int rank = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  unsigned long long length = text.size();
  AMPCF_CHECK_MPI(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm));
  if (rank != root) text.assign(length, '\0');
  BcastChunked(text.data(), static_cast<std::int64_t>(length), MPI_CHAR, root, comm);
}

int RanksOnThisNode(bool counted) {
  MPI_Comm node;
  AMPCF_CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  int mine = counted ? 1 : 0, ranks = 0;
  AMPCF_CHECK_MPI(MPI_Allreduce(&mine, &ranks, 1, MPI_INT, MPI_SUM, node));
  AMPCF_CHECK_MPI(MPI_Comm_free(&node));
  return ranks;
}

std::string AgreeOnError(bool ok, const std::string& message, MPI_Comm comm) {
  int rank = 0, size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size));
  int first_failing = ok ? size : rank;
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &first_failing, 1, MPI_INT, MPI_MIN, comm));
  if (first_failing == size) return "";
  std::string text = rank == first_failing ? message : std::string();
  BroadcastString(text, first_failing, comm);
  return text;
}

}  // namespace ampcf
