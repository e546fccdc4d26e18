// Fields and numbers of a text line, as every reader parses them: nothing is guessed, and a
// field that is not wholly a number is not one.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ampcf {

// Splits `line` at every occurrence of `delimiter` (a string: "::" for ratings.dat).
void SplitFields(std::string_view line, std::string_view delimiter, std::vector<std::string_view>& fields);
// `text` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view text);

// Parses a whole signed 64-bit integer; false on anything else.
bool ParseInt(std::string_view text, std::int64_t& value);
// ParseInt of an integer written the canonical way ("7", not "007" or "+7").
bool IsCanonicalInt(std::string_view text, std::int64_t& value);
// Parses a whole finite number; false on anything else, "nan" and "inf" included.
bool ParseDouble(std::string_view text, double& value);

}  // namespace ampcf
