// The pieces of an option table (options/config.h for the shared options, each model folder for
// its own): the checks a row names, and the macro that turns a row into a struct member.
//
// A row: X(C++ type, member name, flags (CLI11 syntax), default, check (a CLI11 validator), help).
#pragma once

#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

namespace ampcf {

// A check that accepts everything.
inline CLI::Validator AnyValue() { return CLI::Validator([](std::string&) { return std::string(); }, ""); }

// The upper bound of Within() for a number that has none.
constexpr double kNoUpperBound = 1e300;

// The lower bound of a real option that must be positive: validators' bounds are inclusive.
constexpr double kSmallestPositive = 1e-12;

// A number in [low, high], reported as "--name: must be at least 1, got 0".
inline CLI::Validator Within(double low, double high) {
  auto show = [](double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  };
  std::string description = high == kNoUpperBound ? ">= " + show(low) : "in [" + show(low) + ", " + show(high) + "]";
  return CLI::Validator(
      [=](std::string& text) {
        double value = 0;
        std::istringstream in(text);
        if (!(in >> value) || !in.eof()) return "'" + text + "' is not a number";
        if (value < low) return "must be at least " + show(low) + ", got " + text;
        if (value > high) return "must be at most " + show(high) + ", got " + text;
        return std::string();
      },
      description);
}
inline CLI::Validator AtLeast(double low) { return Within(low, kNoUpperBound); }
inline CLI::Validator Positive() { return AtLeast(kSmallestPositive); }

// A comma-separated list of positive integers ("256,128,64"), or empty.
CLI::Validator OptionalPositiveIntList();

#define AMPCF_DECLARE_MEMBER(type, name, flags, dflt, check, help) type name = dflt;

}  // namespace ampcf
