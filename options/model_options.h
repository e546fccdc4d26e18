// A model's own options. Each model folder declares them in an option table of the format of
// options/config.h (type, name, flags, default, check, help) and turns it into a struct with
// AMPCF_OPTION_STRUCT; `train --model NAME` registers that model's rows beside the shared ones,
// and TrainConfig carries their values as text by name (ModelOptionValues), so that options/,
// the command line and the files that record options (Describe) never name a model.
//
//   #define AMPCF_FOO_OPTIONS(X) X(int, width, "--width", 8, AtLeast(1), "the width of foo")
//   AMPCF_OPTION_STRUCT(FooOptions, AMPCF_FOO_OPTIONS)
//   ...
//   const FooOptions options = FooOptions::From(config.model_options);
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/error.h"
#include "options/option_table.h"

namespace ampcf {

// A value as Describe writes the options (`operator<<`: 6 significant digits for a double).
template <typename T>
std::string OptionText(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// One row of a model's table, its default as text.
struct OptionSpec {
  std::string name;          // the member's name: "persona_tie" (files and ModelOptionValues use it)
  std::string flags;         // "--persona-tie" or "--personas,-r"
  std::string default_text;  // as Describe writes it: "0.03", a switch "0" or "1"
  CLI::Validator check;
  std::string help;
  bool is_switch = false;  // a bool: a flag that takes no value (--name=false turns it off)
  std::string type_name;   // as --help shows it: INT, UINT, FLOAT, TEXT
};

// The values of a model's options as text, by member name. A name absent takes the model's
// default, so a TrainConfig built in code needs to set only what differs.
class ModelOptionValues {
 public:
  void Set(const std::string& name, const std::string& text) { values_[name] = text; }
  template <typename T>
    requires(!std::is_convertible_v<T, std::string>)
  void Set(const std::string& name, const T& value) {
    values_[name] = OptionText(value);
  }
  const std::string* Find(const std::string& name) const {
    const auto found = values_.find(name);
    return found == values_.end() ? nullptr : &found->second;
  }
  // By name, ascending.
  const std::map<std::string, std::string>& all() const { return values_; }
  std::string& operator[](const std::string& name) { return values_[name]; }
  bool operator==(const ModelOptionValues&) const = default;

 private:
  std::map<std::string, std::string> values_;
};

// Adds the rows to a (sub)command, under the heading `group` of its help: each value lands in
// `values` under its name, which holds the default until the command line or a config file sets
// it. `values` must outlive `app`'s parse.
void AddModelOptions(CLI::App& app, const std::vector<OptionSpec>& specs, ModelOptionValues& values,
                     const std::string& group);

namespace option_detail {

template <typename T>
std::string TypeName() {
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::string>) return "TEXT";
  else if constexpr (std::is_floating_point_v<T>) return "FLOAT";
  else if constexpr (std::is_unsigned_v<T>) return "UINT";
  else return "INT";
}

// The row's check, after one that the text reads as a T ("2.5" is no INT).
template <typename T>
CLI::Validator Checked(const CLI::Validator& check) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
    return check;
  } else {
    // Also rewrites the text as Describe writes a T ("1.0" becomes "1"), so that files record
    // the same text for the same value.
    CLI::Validator reads_as_type(
        [](std::string& text) {
          T value{};
          std::istringstream in(text);
          if (!(in >> value) || !in.eof()) return "'" + text + "' is not of type " + TypeName<T>();
          text = OptionText(value);
          return std::string();
        },
        "");
    return reads_as_type & check;
  }
}


// `text` as a T; UserError naming the option when it does not read as one.
template <typename T>
void Read(const ModelOptionValues& values, const char* name, T& member) {
  const std::string* text = values.Find(name);
  if (text == nullptr) return;
  if constexpr (std::is_same_v<T, std::string>) {
    member = *text;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (*text == "1" || *text == "true") member = true;
    else if (*text == "0" || *text == "false") member = false;
    else throw UserError(Cat("option ", name, " = '", *text, "' is not 0 or 1"));
  } else {
    std::istringstream in(*text);
    in >> member;
    if (in.fail() || !in.eof()) throw UserError(Cat("option ", name, " = '", *text, "' does not read as its type"));
  }
}

}  // namespace option_detail

#define AMPCF_OPTION_SPEC(type, name, flags, dflt, check, help)                                          \
  specs.push_back(OptionSpec{#name, flags, OptionText<type>(dflt), option_detail::Checked<type>(check), \
                             help, std::is_same_v<type, bool>, option_detail::TypeName<type>()});
#define AMPCF_READ_OPTION(type, name, flags, dflt, check, help) option_detail::Read(values, #name, options.name);

// Declares `struct NAME` with a member per row of TABLE, NAME::Specs() (the rows, for
// AddModelOptions) and NAME::From(values) (absent names keep their defaults; UserError naming
// the option when a value does not read as its type).
#define AMPCF_OPTION_STRUCT(NAME, TABLE)                         \
  struct NAME {                                                  \
    TABLE(AMPCF_DECLARE_MEMBER)                                  \
    static std::vector<OptionSpec> Specs() {                     \
      std::vector<OptionSpec> specs;                             \
      TABLE(AMPCF_OPTION_SPEC)                                   \
      return specs;                                              \
    }                                                            \
    static NAME From(const ModelOptionValues& values) {          \
      NAME options;                                              \
      TABLE(AMPCF_READ_OPTION)                                   \
      return options;                                            \
    }                                                            \
  };

}  // namespace ampcf
