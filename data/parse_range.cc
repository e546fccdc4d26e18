#include "data/parse_range.h"

#include <malloc.h>  // malloc_trim

#include <algorithm>

#include "core/error.h"
#include "core/parallel.h"
#include "data/range_lines.h"

namespace ampcf {

namespace {

// One piece of the range, parsed alone: its timestamps (line-numbered formats) count from its
// own first line.
ParsedRange ParsePiece(const std::string& path, std::int64_t begin, std::int64_t end, const LineFormat& format,
                       bool header) {
  ParsedRange piece;
  RangeLines lines(path, begin, end);
  std::string_view line;
  Interaction row;
  try {
    while (lines.Next(line)) {
      if (header && begin == 0 && lines.lines() == 1) continue;
      if (!ParseInteractionLine(line, format, row)) continue;
      if (format.line_is_time) row.timestamp = lines.lines();
      piece.rows.push_back(row);
    }
  } catch (const UserError& bad_line) {
    piece.error = bad_line.what();
  }
  piece.lines = lines.lines();
  return piece;
}

}  // namespace

ParsedRange ParseByteRange(const std::string& path, std::int64_t begin, std::int64_t end, const LineFormat& format,
                           bool header, std::int64_t bytes_per_task) {
  const std::int64_t bytes = std::max<std::int64_t>(end - begin, 0);
  const auto n_pieces = static_cast<int>(std::max<std::int64_t>((bytes + bytes_per_task - 1) / bytes_per_task, 1));
  std::vector<ParsedRange> pieces(static_cast<std::size_t>(n_pieces));
  ParallelFor(n_pieces, [&](int p) {
    const std::int64_t from = begin + bytes * p / n_pieces, to = begin + bytes * (p + 1) / n_pieces;
    pieces[static_cast<std::size_t>(p)] = ParsePiece(path, from, to, format, header);
  });

  // The pieces in file order, up to the first bad line. Each is freed and given back once it is
  // copied, so the rows are held about once, not twice.
  ParsedRange range;
  std::size_t rows = 0;
  for (const ParsedRange& piece : pieces) {
    rows += piece.rows.size();
    if (!piece.error.empty()) break;
  }
  if (pieces.size() == 1) return std::move(pieces[0]);
  range.rows.reserve(rows);
  for (ParsedRange& piece : pieces) {
    if (format.line_is_time)
      for (Interaction& row : piece.rows) row.timestamp += range.lines;
    range.rows.insert(range.rows.end(), piece.rows.begin(), piece.rows.end());
    std::vector<Interaction>().swap(piece.rows);
#if defined(__GLIBC__)
    malloc_trim(0);  // a piece lies in a thread's heap, which keeps what is freed unless trimmed
#endif
    range.lines += piece.lines;
    if (!piece.error.empty()) {
      range.error = std::move(piece.error);
      break;
    }
  }
  return range;
}

}  // namespace ampcf
