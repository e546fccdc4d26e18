// Fuzzes the delimited reader (--format delimited).
// The first four input bytes pick the options, the rest is the file:
//   byte 0: delimiter (index into kDelimiters), byte 1: header (odd: yes),
//   byte 2: user column (low nibble) and item column (high nibble), each mod 4,
//   byte 3: timestamp column mod 5, minus 1 (-1: none).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/readers.h"
#include "tests/fuzz/fuzz_files.h"

namespace {
constexpr const char* kDelimiters[] = {",", "\t", "::", " ", ";", "|"};
constexpr std::size_t kOptionBytes = 4;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < kOptionBytes) return 0;
  const std::string delimiter = kDelimiters[bytes[0] % std::size(kDelimiters)];
  const bool header = bytes[1] % 2 == 1;
  const int user_column = bytes[2] % 4, item_column = (bytes[2] >> 4) % 4, time_column = bytes[3] % 5 - 1;
  const std::string path = ampcf::fuzz::WriteFile(
      "data.txt", std::string_view(reinterpret_cast<const char*>(bytes) + kOptionBytes, size - kOptionBytes));
  ampcf::fuzz::ExpectOnlyUserErrors(
      [&] { ampcf::ReadDelimited(path, delimiter, header, user_column, item_column, time_column); });
  return 0;
}
