// A text file of interactions parsed on the compute threads (core/parallel.h), two ways:
// - ParseByteRange: a byte range of a plain file is cut into pieces of kBytesPerParseTask, each
//   piece's lines (data/range_lines.h: those that start in it) are parsed by one task, and the
//   pieces' rows are joined in file order;
// - ParseLineStream: a file read front to back (gzip, which cannot be split) is read in blocks
//   of lines, one task reading the next block while another parses the last.
// Neither depends on the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/line_formats.h"
#include "data/readers.h"

namespace ampcf {

// Bytes of the file per parsing task: large enough that a task's set-up (opening the file,
// finding its first line) is lost in its work, small enough that a rank's range of a large file
// spreads over many threads.
constexpr std::int64_t kBytesPerParseTask = std::int64_t{8} << 20;

// Bytes of lines per block of ParseLineStream: the same trade.
constexpr std::size_t kBytesPerLineBlock = std::size_t{8} << 20;

struct ParsedRange {
  std::vector<Interaction> rows;  // the range's interactions, in file order
  std::int64_t lines = 0;         // the lines read: all of the range's, or up to the bad one
  std::string error;              // the first bad line's problem without its place (line `lines`), or ""
};

// Parses the lines that start in bytes [begin, end) of `path` in `format`; blank lines are
// skipped, and with `header` the file's first line. A line-numbered format (`line_is_time`)
// gets its line's number inside the range as its timestamp: the caller adds the lines before
// the range. A bad line ends the parse, as its error; a file that cannot be opened or read
// before the range's first line throws UserError naming it. `bytes_per_task`: tests cut small
// files into many pieces with it.
ParsedRange ParseByteRange(const std::string& path, std::int64_t begin, std::int64_t end, const LineFormat& format,
                           bool header, std::int64_t bytes_per_task = kBytesPerParseTask);

// The interactions of the whole file `path` (plain or gzip, data/line_reader.h) in `format`, in
// file order: blank lines are skipped, and with `header` the first line. A bad line or a read
// error throws UserError naming the file and line. `bytes_per_block`: tests cut small files into
// many blocks with it.
std::vector<Interaction> ParseLineStream(const std::string& path, const LineFormat& format, bool header,
                                         std::size_t bytes_per_block = kBytesPerLineBlock);

}  // namespace ampcf
