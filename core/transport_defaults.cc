#include "core/transport_defaults.h"

#include <cstdlib>
#include <initializer_list>

namespace ampcf {

void SetTransportDefaults() {
  constexpr const char* kOneMebibyte = "1048576";
  // The first fragment of a rendezvous send may not exceed the eager limit, and each later
  // fragment is at most max_send_size: all three move together.
  for (const char* name : {"OMPI_MCA_btl_tcp_eager_limit", "OMPI_MCA_btl_tcp_rndv_eager_limit",
                           "OMPI_MCA_btl_tcp_max_send_size"})
    setenv(name, kOneMebibyte, /*overwrite=*/0);
}

}  // namespace ampcf
