// Fuzzes the reader of new users' items (--new-users, data/user_items_file.h) against a small
// synthetic dataset: the input bytes are the file, then its users become a dataset of their own.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/dataset.h"
#include "data/id_lookup.h"
#include "data/synthetic.h"
#include "data/user_items_file.h"
#include "tests/fuzz/fuzz_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  static const ampcf::Dataset data = [] {
    ampcf::SyntheticSpec spec;
    spec.users = 20;
    spec.items = 30;
    return ampcf::Prepare(ampcf::GenerateSynthetic(spec).raw, ampcf::DataConfig());
  }();
  const std::string path = ampcf::fuzz::WriteFile("users.txt", std::string_view(reinterpret_cast<const char*>(bytes), size));
  ampcf::fuzz::ExpectOnlyUserErrors([&] {
    const ampcf::UserItems file = ampcf::ReadUserItems("--new-users", path, ampcf::IdLookup(data));
    const auto n = static_cast<std::int32_t>(file.users.size());
    const ampcf::Dataset users = ampcf::UsersOfFile(data, file, {n / 2, n});
    for (std::int32_t u = users.held.begin; u < users.held.end; ++u)
      if (users.TrainItems(u).empty()) __builtin_trap();  // every user kept has an item
  });
  return 0;
}
