// Fuzzes the Yahoo! Music reader: the input bytes are the file ydata-ymusic-user-song-ratings.txt.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/readers.h"
#include "tests/fuzz/fuzz_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string path = ampcf::fuzz::WriteFile("ydata-ymusic-user-song-ratings.txt", std::string_view(reinterpret_cast<const char*>(bytes), size));
  ampcf::fuzz::ExpectOnlyUserErrors([&] { ampcf::ReadYahoo(path); });
  return 0;
}
