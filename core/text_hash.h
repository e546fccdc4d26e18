// A stable 64-bit hash of text (FNV-1a): the same on every platform and run, unlike std::hash,
// so it can key what must repeat (a dataset's fingerprint, a user's random stream).
#pragma once

#include <cstdint>
#include <string_view>

namespace ampcf {

inline std::uint64_t TextHash(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a's 64-bit offset basis and prime
  for (const unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

}  // namespace ampcf
