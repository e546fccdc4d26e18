// Reads a text file line by line, plain or gzip-compressed (zlib reads both), tracking the line
// number for error messages. Strips a UTF-8 byte-order mark and CR of CRLF line ends.
#pragma once

#include <zlib.h>

#include <string>
#include <string_view>

namespace ampcf {

class LineReader {
 public:
  explicit LineReader(const std::string& path);  // throws UserError if it cannot be opened
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line without its line end (valid until the next call); false at the end of the file.
  // Throws UserError on a read error (a truncated gzip stream, for example) and on a NUL byte in
  // a line.
  bool Next(std::string_view& line);
  long line_number() const { return line_number_; }
  const std::string& path() const { return path_; }
  // "path:line: " prefix for error messages.
  std::string Where() const;

 private:
  std::string path_;
  gzFile file_ = nullptr;
  std::string buffer_;     // read and not yet returned, from start_
  std::size_t start_ = 0;  // where the next line begins in buffer_
  bool at_end_ = false;    // the file is read to its end
  long line_number_ = 0;
};

}  // namespace ampcf
