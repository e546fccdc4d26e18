#include "data/range_lines.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace ampcf {

namespace {
constexpr std::size_t kChunk = 1 << 20;
}

RangeLines::RangeLines(const std::string& path, std::int64_t begin, std::int64_t end)
    : path_(path), next_start_(begin), end_(end), buffer_offset_(begin) {
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) throw UserError(Cat(path, ": cannot open: ", std::strerror(errno)));
  if (begin == 0 || begin >= end) return;
  // A line starts at `begin` only if the byte before it ends a line; else the range's first line
  // is the one after the next line end.
  buffer_offset_ = begin - 1;
  next_start_ = begin - 1;
  if (std::fseek(file_, static_cast<long>(begin - 1), SEEK_SET) != 0)
    throw UserError(Cat(path, ": cannot seek: ", std::strerror(errno)));
  // The search stops at the range's end: a line that runs on past it started before the range
  // (else a file of one long line would be read once per range it covers).
  for (;;) {  // before the range's first line: a read error names the file alone
    const std::size_t newline = buffer_.find('\n', start_);
    const std::int64_t at = buffer_offset_ + static_cast<std::int64_t>(newline == std::string::npos ? buffer_.size() : newline);
    if (at >= end - 1) {  // a line end at byte end - 1 or later starts no line inside the range
      next_start_ = end_;
      return;
    }
    if (newline != std::string::npos) {
      start_ = newline + 1;
      next_start_ = buffer_offset_ + static_cast<std::int64_t>(start_);
      return;
    }
    start_ = buffer_.size();
    bool filled = false;
    try {
      filled = Fill();
    } catch (const UserError& error) {
      throw UserError(Cat(path, ": ", error.what()));
    }
    if (!filled) {
      next_start_ = end_;  // the rest of the file is one line that started before the range
      return;
    }
  }
}

RangeLines::~RangeLines() {
  if (file_ != nullptr) std::fclose(file_);
}

bool RangeLines::Fill() {
  if (at_eof_) return false;
  buffer_.erase(0, start_);
  buffer_offset_ += static_cast<std::int64_t>(start_);
  start_ = 0;
  const std::size_t have = buffer_.size();
  buffer_.resize(have + kChunk);
  const std::size_t got = std::fread(buffer_.data() + have, 1, kChunk, file_);
  buffer_.resize(have + got);
  if (std::ferror(file_)) throw UserError(Cat("cannot read: ", std::strerror(errno)));
  if (got == 0) at_eof_ = true;
  return got > 0;
}

bool RangeLines::Next(std::string_view& line) {
  if (next_start_ >= end_) return false;
  std::size_t newline = buffer_.find('\n', start_);
  while (newline == std::string::npos) {
    const std::size_t searched = buffer_.size() - start_;
    bool filled = false;
    try {
      filled = Fill();
    } catch (const UserError&) {
      ++lines_;  // the error is the line's being read, as LineReader numbers it
      throw;
    }
    if (!filled) break;
    newline = buffer_.find('\n', start_ + searched);
  }
  if (start_ >= buffer_.size()) return false;  // the file ended exactly at the last line end
  const std::size_t line_end = newline == std::string::npos ? buffer_.size() : newline;
  std::size_t begin = start_, stop = line_end;
  const bool first_of_file = buffer_offset_ + static_cast<std::int64_t>(start_) == 0;
  start_ = newline == std::string::npos ? buffer_.size() : newline + 1;
  next_start_ = buffer_offset_ + static_cast<std::int64_t>(start_);
  ++lines_;
  while (stop > begin && buffer_[stop - 1] == '\r') --stop;
  if (first_of_file && stop - begin >= 3 && std::memcmp(buffer_.data() + begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;
  line = std::string_view(buffer_.data() + begin, stop - begin);
  if (line.find('\0') != std::string_view::npos)
    throw UserError(Cat("a NUL byte in the line (a binary file?)"));
  return true;
}

std::int64_t FileSize(const std::string& path) {
  std::error_code failed;
  const auto size = std::filesystem::file_size(path, failed);
  if (failed) throw UserError(Cat(path, ": cannot read: ", failed.message()));
  return static_cast<std::int64_t>(size);
}

bool IsGzipFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  unsigned char magic[2] = {0, 0};
  const std::size_t got = std::fread(magic, 1, 2, file);
  std::fclose(file);
  return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

}  // namespace ampcf
