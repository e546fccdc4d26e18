// Set-up steps every rank runs together, so that a user error ends every rank alike.
#pragma once

#include <cstdio>
#include <string>

#include "core/error.h"
#include "core/mpi_env.h"

namespace ampcf {

// Runs `setup` on every rank; if any rank fails with a UserError, rank 0 prints the first
// failing rank's message and every rank returns false (so all exit with the same code).
template <typename Setup>
bool CollectiveSetup(Setup&& setup) {
  std::string message;
  try {
    setup();
  } catch (const UserError& error) {
    message = error.what();
  }
  message = AgreeOnError(message.empty(), message);
  if (message.empty()) return true;
  if (WorldRank() == 0) std::fprintf(stderr, "ampcf: error: %s\n", message.c_str());
  return false;
}

// A user error found by rank 0 alone, after the collective set-up: one line, exit status 2.
int ReportLocalError(const UserError& error);

// Creates `folder` (and its parents); UserError naming --out when it cannot. "" is no folder.
void CheckWritableFolder(const std::string& folder);

}  // namespace ampcf
