// `--config FILE`: a TOML file whose keys are long option names (`personas = 3`,
// `data = "ml-1m/ratings.dat"`, `deterministic = true`), optionally inside a table named after
// the subcommand ([train]). Its settings come before the command line's, which win.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ampcf {

// The file's settings as command-line arguments ("--personas=3") for `command`. Throws
// UserError naming the file for a missing or unparsable file or an unknown key.
std::vector<std::string> ConfigFileArguments(const std::string& path, const CLI::App& command);

// Rewrites argv so that the settings of a `--config FILE` come first; leaves it as it is when
// there is none. argv[1] must be the subcommand.
std::vector<std::string> ExpandConfigFile(const std::vector<std::string>& arguments, const CLI::App& app);

// The value a command line gives option `--key` (its last), or else its `--config` file's (the
// command's section first); "" when neither sets it. argv[1] must be the subcommand. Lets a
// command choose which options to register before it parses (train's --model); a file that
// cannot be read is left for ExpandConfigFile to report.
std::string RequestedValue(const std::vector<std::string>& arguments, const std::string& key);

}  // namespace ampcf
