#pragma once

#include <cstdio>
#include <filesystem>

#include "core/error.h"

namespace ampcf::h5 {

template <typename WriteBody>
void WriteAtomically(const std::string& path, WriteBody&& body) {
  const std::string temporary = path + ".tmp";
  {
    Handle file = CreateFile(temporary);
    body(file.get());
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(temporary, ": cannot flush"));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw UserError(Cat(path, ": cannot rename from ", temporary, ": ", error.message()));
}

}  // namespace ampcf::h5
