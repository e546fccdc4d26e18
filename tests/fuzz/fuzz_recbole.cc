// Fuzzes RecBole's atomic-file reader (--format recbole): the input bytes are the file data.inter.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/readers.h"
#include "tests/fuzz/fuzz_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string path = ampcf::fuzz::WriteFile("data.inter", std::string_view(reinterpret_cast<const char*>(bytes), size));
  ampcf::fuzz::ExpectOnlyUserErrors([&] { ampcf::ReadRecBoleInter(path); });
  return 0;
}
