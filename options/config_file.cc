#include "options/config_file.h"

#include <toml++/toml.h>

#include <filesystem>
#include <sstream>

#include "core/error.h"

namespace ampcf {

namespace {
std::string ValueText(const toml::node& node, const std::string& path, const std::string& key) {
  if (auto text = node.value_exact<std::string>()) return *text;
  if (auto flag = node.value_exact<bool>()) return *flag ? "true" : "false";
  if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
  if (auto number = node.value_exact<double>()) {
    std::ostringstream out;
    out.precision(17);
    out << *number;
    return out.str();
  }
  throw UserError(Cat(path, ": '", key, "' must be a string, number or boolean"));
}
}  // namespace

std::vector<std::string> ConfigFileArguments(const std::string& path, const CLI::App& command) {
  if (!std::filesystem::exists(path)) throw UserError(Cat("--config ", path, ": no such file"));
  if (!std::filesystem::is_regular_file(path)) throw UserError(Cat("--config ", path, ": not a file"));
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    throw UserError(Cat(path, ":", error.source().begin.line, ": ", error.description()));
  }
  std::vector<std::string> arguments;
  // A section at the top level is a subcommand's ([train], [eval]); the others' are skipped.
  const auto is_section = [&](const std::string& name) {
    const CLI::App* parent = command.get_parent();
    if (parent == nullptr) return false;
    for (const CLI::App* sub : parent->get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == name) return true;
    return false;
  };
  auto add = [&](const toml::table& settings, bool top) {
    for (const auto& [key, node] : settings) {
      const std::string name(key.str());
      const std::string at = Cat(path, ":", node.source().begin.line);
      if (node.is_table() && top && is_section(name)) continue;
      if (node.is_table())
        throw UserError(Cat(at, ": '", name, "' is a table; ", top ? "a section must name a command (train, eval, ...)"
                                                                    : "a setting takes a string, number or boolean"));
      if (name == "config") throw UserError(Cat(at, ": a config file cannot name another config file"));
      if (command.get_option_no_throw("--" + name) == nullptr)
        throw UserError(Cat(at, ": unknown option '", name, "' for 'ampcf ", command.get_name(), "'"));
      arguments.push_back("--" + name + "=" + ValueText(node, at, name));
    }
  };
  add(table, true);
  if (const toml::table* section = table[command.get_name()].as_table()) add(*section, false);
  return arguments;
}

std::vector<std::string> ExpandConfigFile(const std::vector<std::string>& arguments, const CLI::App& app) {
  if (arguments.size() < 2) return arguments;
  std::string path;
  for (std::size_t i = 2; i < arguments.size(); ++i) {
    if (arguments[i] == "--config" && i + 1 < arguments.size()) path = arguments[i + 1];
    if (arguments[i].rfind("--config=", 0) == 0) path = arguments[i].substr(9);
  }
  if (path.empty()) return arguments;
  const CLI::App* command = nullptr;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->get_name() == arguments[1]) command = sub;
  if (command == nullptr) return arguments;
  std::vector<std::string> expanded = {arguments[0], arguments[1]};
  for (std::string& argument : ConfigFileArguments(path, *command)) expanded.push_back(std::move(argument));
  expanded.insert(expanded.end(), arguments.begin() + 2, arguments.end());
  return expanded;
}

std::string RequestedValue(const std::vector<std::string>& arguments, const std::string& key) {
  const std::string flag = "--" + key;
  std::string value, config_path;
  bool found = false;
  for (std::size_t i = 2; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument == flag && i + 1 < arguments.size()) {
      value = arguments[i + 1];
      found = true;
    } else if (argument.rfind(flag + "=", 0) == 0) {
      value = argument.substr(flag.size() + 1);
      found = true;
    }
    if (argument == "--config" && i + 1 < arguments.size()) config_path = arguments[i + 1];
    if (argument.rfind("--config=", 0) == 0) config_path = argument.substr(9);
  }
  if (found || config_path.empty() || arguments.size() < 2) return value;
  try {
    const toml::table table = toml::parse_file(config_path);
    if (const toml::table* section = table[arguments[1]].as_table())
      if (auto text = (*section)[key].value<std::string>()) return *text;
    if (auto text = table[key].value<std::string>()) return *text;
  } catch (const toml::parse_error&) {
  }
  return "";
}

}  // namespace ampcf
