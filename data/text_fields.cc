#include "data/text_fields.h"

#include <charconv>
#include <cmath>
#include <string>

namespace ampcf {

void SplitFields(std::string_view line, std::string_view delimiter, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t start = 0;
  while (true) {
    std::size_t at = line.find(delimiter, start);
    if (at == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, at - start));
    start = at + delimiter.size();
  }
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool ParseInt(std::string_view text, std::int64_t& value) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool IsCanonicalInt(std::string_view text, std::int64_t& value) {
  return ParseInt(text, value) && std::to_string(value) == text;
}

bool ParseDouble(std::string_view text, double& value) {
  text = Trim(text);
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  // from_chars reads "nan", "inf" and "infinity": words, not measurements, so they fail here.
  return error == std::errc() && end == text.data() + text.size() && !text.empty() && std::isfinite(value);
}

}  // namespace ampcf
