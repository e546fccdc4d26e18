// Fuzzes the MovieLens 100K u.data reader: the input bytes are the file u.data.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/readers.h"
#include "tests/fuzz/fuzz_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string path = ampcf::fuzz::WriteFile("u.data", std::string_view(reinterpret_cast<const char*>(bytes), size));
  ampcf::fuzz::ExpectOnlyUserErrors([&] { ampcf::ReadMovieLens100k(path); });
  return 0;
}
