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
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    throw UserError(Cat(path, ":", error.source().begin.line, ": ", error.description()));
  }
  std::vector<std::string> arguments;
  auto add = [&](const toml::table& settings) {
    for (const auto& [key, node] : settings) {
      const std::string name(key.str());
      if (node.is_table()) continue;
      if (name == "config") throw UserError(Cat(path, ": a config file cannot name another config file"));
      if (command.get_option_no_throw("--" + name) == nullptr)
        throw UserError(Cat(path, ": unknown option '", name, "' for 'ampcf ", command.get_name(), "'"));
      arguments.push_back("--" + name + "=" + ValueText(node, path, name));
    }
  };
  add(table);
  if (const toml::table* section = table[command.get_name()].as_table()) add(*section);
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

}  // namespace ampcf
