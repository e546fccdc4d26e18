#include "core/transport_defaults.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace ampcf {
namespace {

constexpr const char* kNames[] = {"OMPI_MCA_btl_tcp_eager_limit", "OMPI_MCA_btl_tcp_rndv_eager_limit",
                                   "OMPI_MCA_btl_tcp_max_send_size"};

// The three variables as the test found them, put back at its end.
class SavedEnvironment {
 public:
  SavedEnvironment() {
    for (const char* name : kNames) {
      const char* value = std::getenv(name);
      saved_.emplace_back(value != nullptr, value != nullptr ? value : "");
      unsetenv(name);
    }
  }
  ~SavedEnvironment() {
    for (std::size_t i = 0; i < saved_.size(); ++i)
      saved_[i].first ? setenv(kNames[i], saved_[i].second.c_str(), 1) : unsetenv(kNames[i]);
  }

 private:
  std::vector<std::pair<bool, std::string>> saved_;
};

// Runs after MPI_Init (test_main.cc), so it checks the environment only, never Open MPI.
TEST(TransportDefaults, SetsAllThreeSizesWhenTheUserSetNone) {
  const SavedEnvironment saved;
  SetTransportDefaults();
  for (const char* name : kNames) EXPECT_STREQ(std::getenv(name), "1048576") << name;
}

TEST(TransportDefaults, LeavesAllThreeToAUserWhoSetOne) {
  const SavedEnvironment saved;
  setenv("OMPI_MCA_btl_tcp_eager_limit", "4096", 1);
  SetTransportDefaults();
  EXPECT_STREQ(std::getenv("OMPI_MCA_btl_tcp_eager_limit"), "4096");
  EXPECT_EQ(std::getenv("OMPI_MCA_btl_tcp_rndv_eager_limit"), nullptr);
  EXPECT_EQ(std::getenv("OMPI_MCA_btl_tcp_max_send_size"), nullptr);
}

}  // namespace
}  // namespace ampcf
