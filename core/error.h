// Two error tiers (as in faiss):
//  - UserError: bad input, bad options, bad files. Carries a one-line message naming the
//    file, line or option; main() prints it and exits non-zero on every rank.
//  - AMPCF_ASSERT: an internal invariant; failing it is a bug. Prints and aborts the job.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ampcf {

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

// Builds a message from streamable parts: throw UserError(Cat("file ", path, ": bad line"));
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// Aborts the whole job (MPI_Abort when MPI is up). Defined in mpi_env.cc.
[[noreturn]] void AbortJob(const std::string& message, int code = 3);

}  // namespace ampcf

#define AMPCF_ASSERT(cond, ...)                                                          \
  do {                                                                                   \
    if (!(cond))                                                                         \
      ::ampcf::AbortJob(::ampcf::Cat("internal error: ", #cond, " failed at ", __FILE__, \
                                     ":", __LINE__, " ", ##__VA_ARGS__));                \
  } while (0)
