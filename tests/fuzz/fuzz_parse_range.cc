// Fuzzes the two parsers of data/parse_range.h against each other on one plain file: the byte
// range in pieces (RangeLines) and the whole file in blocks of lines (LineReader). The first
// input byte picks the format, the header and the piece and block size (1-32 bytes, so pieces
// cut lines everywhere, or a 16th of the file if larger: each piece reads a buffer of its own);
// the other bytes are the file. The rows, or the error with its file and line, must be the
// same; a difference aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "data/line_formats.h"
#include "data/parse_range.h"
#include "tests/fuzz/fuzz_files.h"

namespace {

// Rows, or the error that ended the parse.
struct Outcome {
  std::vector<ampcf::Interaction> rows;
  std::string error;
};

bool Same(const Outcome& a, const Outcome& b) {
  if (a.error != b.error || a.rows.size() != b.rows.size()) return false;
  for (std::size_t k = 0; k < a.rows.size(); ++k)
    if (a.rows[k].user != b.rows[k].user || a.rows[k].item != b.rows[k].item || a.rows[k].timestamp != b.rows[k].timestamp)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  static const char* const kFormats[] = {"movielens-csv", "movielens-dat", "lastfm", "log"};
  const ampcf::LineFormat& format = *ampcf::FindLineFormat(kFormats[bytes[0] % 4]);
  const bool header = (bytes[0] & 4) != 0;
  const std::string_view text(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  const std::int64_t piece = std::max<std::int64_t>(1 + (bytes[0] >> 3), static_cast<std::int64_t>(text.size() / 16));
  const std::string path = ampcf::fuzz::WriteFile("range.txt", text);

  Outcome pieces, blocks;
  ampcf::ParsedRange parsed = ampcf::ParseByteRange(path, 0, static_cast<std::int64_t>(text.size()), format, header, piece);
  if (parsed.error.empty())
    pieces.rows = std::move(parsed.rows);
  else
    pieces.error = ampcf::Cat(path, ":", parsed.lines, ": ", parsed.error);
  try {
    blocks.rows = ampcf::ParseLineStream(path, format, header, static_cast<std::size_t>(piece));
  } catch (const ampcf::UserError& error) {
    blocks.error = error.what();
  }
  if (!Same(pieces, blocks)) std::abort();
  return 0;
}
