#include "cli/collective.h"

#include <filesystem>

namespace ampcf {

int ReportLocalError(const UserError& error) {
  std::fprintf(stderr, "ampcf: error: %s\n", error.what());
  return 2;
}

void CheckWritableFolder(const std::string& folder) {
  if (folder.empty()) return;
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || !std::filesystem::is_directory(folder))
    throw UserError(Cat("--out ", folder, ": cannot create the folder"));
}

}  // namespace ampcf
