// Fuzzes the Amazon ratings-only CSV reader: the input bytes are the file ratings_Books.csv.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/readers.h"
#include "tests/fuzz/fuzz_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string path = ampcf::fuzz::WriteFile("ratings_Books.csv", std::string_view(reinterpret_cast<const char*>(bytes), size));
  ampcf::fuzz::ExpectOnlyUserErrors([&] { ampcf::ReadAmazonCsv(path); });
  return 0;
}
