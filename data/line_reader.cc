#include "data/line_reader.h"

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace ampcf {

LineReader::LineReader(const std::string& path) : path_(path) {
  file_ = gzopen(path.c_str(), "rb");
  if (file_ == nullptr) throw UserError(Cat(path, ": cannot open: ", std::strerror(errno)));
  gzbuffer(file_, 1 << 18);
}

LineReader::~LineReader() {
  if (file_ != nullptr) gzclose(file_);
}

std::string LineReader::Where() const { return Cat(path_, ":", line_number_, ": "); }

bool LineReader::Next(std::string_view& line) {
  // Lines are split here rather than by gzgets, which stops at nothing but a line end and so
  // hides a NUL byte inside a line (the rest of the line would silently join the next one).
  std::size_t end = buffer_.find('\n', start_);
  while (end == std::string::npos && !at_end_) {
    buffer_.erase(0, start_);  // the previous line's view ends its life here, as documented
    start_ = 0;
    char chunk[1 << 16];
    const int got = gzread(file_, chunk, sizeof(chunk));
    int error = Z_OK;
    const char* message = gzerror(file_, &error);
    if (got < 0 || (error != Z_OK && error != Z_STREAM_END)) {
      // zlib reports a gzip stream cut short only at its end.
      if (error == Z_BUF_ERROR) throw UserError(Cat(path_, ": truncated or corrupt compressed file"));
      throw UserError(Cat(path_, ":", line_number_ + 1, ": cannot read: ", message));
    }
    if (got == 0) at_end_ = true;
    const std::size_t searched = buffer_.size();
    buffer_.append(chunk, static_cast<std::size_t>(got));
    end = buffer_.find('\n', searched);
  }
  if (start_ >= buffer_.size()) return false;
  const std::size_t line_end = end == std::string::npos ? buffer_.size() : end;
  ++line_number_;
  std::size_t begin = start_, stop = line_end;
  start_ = end == std::string::npos ? buffer_.size() : end + 1;
  while (stop > begin && buffer_[stop - 1] == '\r') --stop;
  if (line_number_ == 1 && stop - begin >= 3 && std::memcmp(buffer_.data() + begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;
  line = std::string_view(buffer_.data() + begin, stop - begin);
  if (line.find('\0') != std::string_view::npos) throw UserError(Cat(Where(), "a NUL byte in the line (a binary file?)"));
  return true;
}

}  // namespace ampcf
