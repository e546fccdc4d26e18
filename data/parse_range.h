// The lines of one byte range of a plain text file parsed on the compute threads
// (core/parallel.h): the range is cut into pieces of kBytesPerParseTask, each piece's lines
// (data/range_lines.h: those that start in it) are parsed by one task, and the pieces' rows are
// joined in file order. The pieces do not depend on the thread count, so neither does the result.
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

}  // namespace ampcf
