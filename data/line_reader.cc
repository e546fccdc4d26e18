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
  buffer_.clear();
  char chunk[1 << 14];
  bool got_any = false;
  while (true) {
    if (gzgets(file_, chunk, sizeof(chunk)) == nullptr) {
      int error = Z_OK;
      const char* message = gzerror(file_, &error);
      if (error != Z_OK && error != Z_STREAM_END)
        throw UserError(Cat(path_, ":", line_number_ + 1, ": cannot read: ", message));
      break;
    }
    got_any = true;
    std::size_t length = std::strlen(chunk);
    buffer_.append(chunk, length);
    if (length > 0 && chunk[length - 1] == '\n') break;
  }
  if (!got_any) {
    // zlib reports a gzip stream cut short only at the end.
    int error = Z_OK;
    gzerror(file_, &error);
    if (error != Z_OK && error != Z_STREAM_END)
      throw UserError(Cat(path_, ": truncated or corrupt compressed file"));
    return false;
  }
  ++line_number_;
  std::size_t end = buffer_.size();
  while (end > 0 && (buffer_[end - 1] == '\n' || buffer_[end - 1] == '\r')) --end;
  std::size_t begin = 0;
  if (line_number_ == 1 && end >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) begin = 3;
  line = std::string_view(buffer_.data() + begin, end - begin);
  return true;
}

}  // namespace ampcf
