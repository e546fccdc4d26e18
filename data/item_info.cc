#include "data/item_info.h"

#include <filesystem>

#include "data/line_reader.h"
#include "data/prepared_file.h"

namespace ampcf {

namespace {

// movies.csv: movieId,title,genres with the title quoted when it holds a comma.
bool ParseMoviesCsv(std::string_view line, std::int64_t& id, ItemInfo& info) {
  const std::size_t first = line.find(',');
  const std::size_t last = line.rfind(',');
  if (first == std::string_view::npos || last == first) return false;
  try {
    id = std::stoll(std::string(line.substr(0, first)));
  } catch (...) {
    return false;
  }
  std::string title(line.substr(first + 1, last - first - 1));
  if (title.size() >= 2 && title.front() == '"' && title.back() == '"') {
    title = title.substr(1, title.size() - 2);
    for (std::size_t at = title.find("\"\""); at != std::string::npos; at = title.find("\"\"", at + 1)) title.erase(at, 1);
  }
  info.title = title;
  info.genres = std::string(line.substr(last + 1));
  return true;
}

// movies.dat: MovieID::Title::Genres.
bool ParseMoviesDat(std::string_view line, std::int64_t& id, ItemInfo& info) {
  const std::size_t first = line.find("::");
  const std::size_t last = line.rfind("::");
  if (first == std::string_view::npos || last == first) return false;
  try {
    id = std::stoll(std::string(line.substr(0, first)));
  } catch (...) {
    return false;
  }
  info.title = std::string(line.substr(first + 2, last - first - 2));
  info.genres = std::string(line.substr(last + 2));
  return true;
}

}  // namespace

std::map<std::int64_t, ItemInfo> LoadItemInfo(const std::string& data_path) {
  std::map<std::int64_t, ItemInfo> info;
  namespace fs = std::filesystem;
  if (IsPreparedFile(data_path)) {
    std::vector<std::int64_t> item_ids;
    std::vector<std::string> titles, genres;
    ReadPreparedItemInfo(data_path, item_ids, titles, genres);
    for (std::size_t j = 0; j < titles.size() && j < item_ids.size(); ++j)
      if (!titles[j].empty()) info[item_ids[j]] = ItemInfo{titles[j], j < genres.size() ? genres[j] : ""};
    return info;
  }
  fs::path folder = fs::is_directory(data_path) ? fs::path(data_path) : fs::path(data_path).parent_path();
  for (int up = 0; up < 2 && !folder.empty(); ++up, folder = folder.parent_path()) {
    for (const char* name : {"movies.csv", "movies.dat", "artists.dat"}) {
      const fs::path path = folder / name;
      if (!fs::exists(path)) continue;
      const bool csv = path.extension() == ".csv";
      if (std::string(name) == "artists.dat") {  // HetRec Last.fm: id<TAB>name<TAB>url<TAB>picture
        LineReader reader(path.string());
        std::string_view line;
        while (reader.Next(line)) {
          const std::size_t tab = line.find('\t');
          std::int64_t id = 0;
          if (tab == std::string_view::npos) continue;
          try {
            id = std::stoll(std::string(line.substr(0, tab)));
          } catch (...) {
            continue;  // the header
          }
          const std::size_t end = line.find('\t', tab + 1);
          info[id] = ItemInfo{std::string(line.substr(tab + 1, end == std::string_view::npos ? end : end - tab - 1)), "artist"};
        }
        return info;
      }
      LineReader reader(path.string());
      std::string_view line;
      while (reader.Next(line)) {
        std::int64_t id = 0;
        ItemInfo item;
        if (csv ? ParseMoviesCsv(line, id, item) : ParseMoviesDat(line, id, item)) info[id] = std::move(item);
      }
      return info;
    }
  }
  return info;
}

}  // namespace ampcf
