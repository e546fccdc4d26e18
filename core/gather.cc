#include "core/gather.h"

#include "core/mpi_chunked.h"

namespace ampcf {

std::vector<std::string> GatherLines(MPI_Comm comm, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::vector<char> all =
      GatherChunked(text.data(), static_cast<std::int64_t>(text.size()), MPI_CHAR, 0, comm);
  std::vector<std::string> out;
  const std::string joined(all.begin(), all.end());
  for (std::size_t start = 0, end; (end = joined.find('\n', start)) != std::string::npos; start = end + 1)
    out.push_back(joined.substr(start, end - start));
  return out;
}

}  // namespace ampcf
