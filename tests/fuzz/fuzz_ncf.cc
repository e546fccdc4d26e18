// Fuzzes the NCF pre-split reader with all its files. The input is up to five parts separated
// by a line "----": X.train.rating, X.test.rating, X.test.negative, the --ncf-item-map file and
// the --ncf-timestamps ratings.dat. A part that is absent is a file not given (the negatives
// are optional, and so are the map and the timestamps).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/readers.h"
#include "tests/fuzz/fuzz_files.h"

namespace {
constexpr std::string_view kSeparator = "\n----\n";
constexpr std::size_t kParts = 5;

std::vector<std::string_view> SplitParts(std::string_view input) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < kParts) {
    const std::size_t at = input.find(kSeparator);
    if (at == std::string_view::npos) break;
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kSeparator.size());
  }
  parts.push_back(input);
  return parts;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  using namespace ampcf::fuzz;
  const std::vector<std::string_view> parts = SplitParts(std::string_view(reinterpret_cast<const char*>(bytes), size));
  const char* names[kParts] = {"ncf.train.rating", "ncf.test.rating", "ncf.test.negative", "items.tsv", "ratings.dat"};
  std::string paths[kParts];
  for (std::size_t p = 0; p < kParts; ++p) {
    if (p < parts.size())
      paths[p] = WriteFile(names[p], parts[p]);
    else
      RemoveFile(names[p]);
  }
  const std::string prefix = (Folder() / "ncf").string();
  ExpectOnlyUserErrors([&] { ampcf::ReadNcf(prefix, paths[3], paths[4]); });
  return 0;
}
