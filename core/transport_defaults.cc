#include "core/transport_defaults.h"

#include <cstdlib>
#include <initializer_list>

namespace ampcf {

void SetTransportDefaults() {
  // The first fragment of a rendezvous send may not exceed the eager limit, and each later
  // fragment is at most max_send_size: the three move together, and a user who set any of them
  // has chosen the transport's sizes.
  const auto names = {"OMPI_MCA_btl_tcp_eager_limit", "OMPI_MCA_btl_tcp_rndv_eager_limit",
                      "OMPI_MCA_btl_tcp_max_send_size"};
  for (const char* name : names)
    if (std::getenv(name) != nullptr) return;
  constexpr const char* kOneMebibyte = "1048576";
  for (const char* name : names) setenv(name, kOneMebibyte, /*overwrite=*/1);
}

}  // namespace ampcf
