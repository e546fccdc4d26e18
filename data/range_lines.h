// The lines of one byte range of a plain text file, so that ranks can each read their own part
// of one file: a line belongs to the range that holds its first byte, so every line of the file
// is read by exactly one range, whole, even where it runs past the range's end.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace ampcf {

class RangeLines {
 public:
  // Lines starting in bytes [begin, end) of `path`. Throws UserError naming the file if it
  // cannot be opened or read.
  RangeLines(const std::string& path, std::int64_t begin, std::int64_t end);
  ~RangeLines();
  RangeLines(const RangeLines&) = delete;
  RangeLines& operator=(const RangeLines&) = delete;

  // The next line without its line end (and CR; the file's UTF-8 byte-order mark stripped), valid
  // until the next call; false past the range's last line. Throws UserError on a read error or
  // a NUL byte in a line, saying what alone: the caller knows the file and the line's number in
  // it (lines() counts them inside the range).
  bool Next(std::string_view& line);
  // Lines returned so far: the number of the last one inside the range, from 1 (after a throw:
  // of the line that failed).
  long lines() const { return lines_; }

 private:
  bool Fill();  // reads the next chunk; false at the end of the file

  std::string path_;
  std::FILE* file_ = nullptr;
  std::int64_t next_start_ = 0;  // file offset where the next line starts
  std::int64_t end_ = 0;
  std::string buffer_;            // file bytes from buffer_offset_
  std::int64_t buffer_offset_ = 0;
  std::size_t start_ = 0;         // next_start_ - buffer_offset_
  bool at_eof_ = false;
  long lines_ = 0;
};

// Whether `path` is gzip-compressed (its first two bytes), which cannot be split by bytes.
bool IsGzipFile(const std::string& path);

// The size of `path` in bytes, the end of its last range. Throws UserError naming the file.
std::int64_t FileSize(const std::string& path);

}  // namespace ampcf
