// Fuzzes the time-ordered log reader (--format log): the input bytes are the file log.txt.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/readers.h"
#include "tests/fuzz/fuzz_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string path = ampcf::fuzz::WriteFile("log.txt", std::string_view(reinterpret_cast<const char*>(bytes), size));
  ampcf::fuzz::ExpectOnlyUserErrors([&] { ampcf::ReadInteractionLog(path); });
  return 0;
}
