// What every reader fuzz target shares: a private folder for the input files, and the rule
// that bad input may only end in a one-line UserError (anything else escapes to libFuzzer,
// which reports an uncaught exception as a crash).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/error.h"

namespace ampcf::fuzz {

// One folder per fuzz process (libFuzzer's -jobs run several), made once, removed at exit.
inline const std::filesystem::path& Folder() {
  static const std::filesystem::path folder = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "ampcf-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    std::atexit([] { std::filesystem::remove_all(Folder()); });
    return std::filesystem::path(pattern);
  }();
  return folder;
}

// Writes `contents` to Folder()/name and returns the path.
inline std::string WriteFile(const std::string& name, std::string_view contents) {
  const std::string path = (Folder() / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return path;
}

inline void RemoveFile(const std::string& name) { std::filesystem::remove(Folder() / name); }

// Runs `read`; a UserError is the expected end of bad input, but its message must be one line.
template <typename Read>
void ExpectOnlyUserErrors(Read&& read) {
  try {
    read();
  } catch (const UserError& error) {
    if (std::string_view(error.what()).find('\n') != std::string_view::npos) {
      std::fprintf(stderr, "UserError message spans lines: %s\n", error.what());
      std::abort();
    }
  }
}

}  // namespace ampcf::fuzz
