#include "core/transport_defaults.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace ampcf {
namespace {

// Runs after MPI_Init (test_main.cc), so it checks the environment only, never Open MPI.
TEST(TransportDefaults, SetsTheEagerLimitUnlessTheUserDid) {
  const char* const saved = std::getenv("OMPI_MCA_btl_tcp_eager_limit");
  const std::string before = saved ? saved : "";

  unsetenv("OMPI_MCA_btl_tcp_eager_limit");
  SetTransportDefaults();
  EXPECT_STREQ(std::getenv("OMPI_MCA_btl_tcp_eager_limit"), "1048576");

  setenv("OMPI_MCA_btl_tcp_eager_limit", "4096", 1);
  SetTransportDefaults();
  EXPECT_STREQ(std::getenv("OMPI_MCA_btl_tcp_eager_limit"), "4096") << "the user's setting wins";

  if (saved)
    setenv("OMPI_MCA_btl_tcp_eager_limit", before.c_str(), 1);
  else
    unsetenv("OMPI_MCA_btl_tcp_eager_limit");
}

}  // namespace
}  // namespace ampcf
