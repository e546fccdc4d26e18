#include "data/parse_range.h"

#include <malloc.h>  // malloc_trim

#include <algorithm>

#include "core/error.h"
#include "core/parallel.h"
#include "data/line_reader.h"
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

// A block of a file's lines, each followed by '\n', as LineReader gives them (without CR,
// byte-order mark or NUL); a line to skip (the header) is left empty, to keep the numbering.
struct LineBlock {
  std::string text;
  std::string error;  // a read error, with its place: the file's lines end before it
  bool last = false;  // no line follows this block
};

void ReadBlock(LineReader& reader, bool header, std::size_t bytes, LineBlock& block) {
  block.text.clear();
  std::string_view line;
  try {
    while (block.text.size() < bytes) {
      if (!reader.Next(line)) {
        block.last = true;
        return;
      }
      if (!(header && reader.line_number() == 1)) block.text.append(line);
      block.text.push_back('\n');
    }
  } catch (const UserError& error) {
    block.error = error.what();
    block.last = true;
  }
}

// The lines of a block, parsed up to the first bad one: its timestamps (line-numbered formats)
// count from its own first line.
ParsedRange ParseBlock(std::string_view text, const LineFormat& format) {
  ParsedRange parsed;
  Interaction row;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    ++parsed.lines;
    try {
      if (!ParseInteractionLine(line, format, row)) continue;
    } catch (const UserError& bad_line) {
      parsed.error = bad_line.what();
      break;
    }
    if (format.line_is_time) row.timestamp = parsed.lines;
    parsed.rows.push_back(row);
  }
  return parsed;
}

// The pieces of a range or file (each timestamp of a line-numbered format counted from its
// piece's first line) joined in file order, up to the first bad line. Each piece is freed and
// given back once it is copied, so the rows are held about once, not twice, and in a vector of
// their exact size.
ParsedRange JoinPieces(std::vector<ParsedRange>& pieces, const LineFormat& format) {
  std::size_t rows = 0;
  for (const ParsedRange& piece : pieces) {
    rows += piece.rows.size();
    if (!piece.error.empty()) break;
  }
  if (pieces.size() == 1) return std::move(pieces[0]);
  ParsedRange joined;
  joined.rows.reserve(rows);
  for (ParsedRange& piece : pieces) {
    if (format.line_is_time)
      for (Interaction& row : piece.rows) row.timestamp += joined.lines;
    joined.rows.insert(joined.rows.end(), piece.rows.begin(), piece.rows.end());
    std::vector<Interaction>().swap(piece.rows);
#if defined(__GLIBC__)
    malloc_trim(0);  // a piece lies in a thread's heap, which keeps what is freed unless trimmed
#endif
    joined.lines += piece.lines;
    if (!piece.error.empty()) {
      joined.error = std::move(piece.error);
      break;
    }
  }
  return joined;
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

  return JoinPieces(pieces, format);
}

std::vector<Interaction> ParseLineStream(const std::string& path, const LineFormat& format, bool header,
                                         std::size_t bytes_per_block) {
  LineReader reader(path);
  std::vector<ParsedRange> pieces;
  std::string read_error;
  LineBlock blocks[2];
  ReadBlock(reader, header, bytes_per_block, blocks[0]);
  for (int current = 0;; current ^= 1) {
    const LineBlock& block = blocks[current];
    ParsedRange& piece = pieces.emplace_back();
    ParallelFor(block.last ? 1 : 2, [&](int task) {
      if (task == 0)
        piece = ParseBlock(block.text, format);
      else
        ReadBlock(reader, header, bytes_per_block, blocks[current ^ 1]);
    });
    read_error = block.error;
    if (block.last || !piece.error.empty()) break;
  }
  ParsedRange joined = JoinPieces(pieces, format);
  // A bad line comes before the read error of its block.
  if (!joined.error.empty()) throw UserError(Cat(path, ":", joined.lines, ": ", joined.error));
  if (!read_error.empty()) throw UserError(read_error);
  return std::move(joined.rows);
}

}  // namespace ampcf
