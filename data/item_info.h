// Item metadata for people: MovieLens titles and genres, Last.fm artist names.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ampcf {

struct ItemInfo {
  std::string title, genres;
};

// Titles and genres of MovieLens items (movies.csv or movies.dat beside the ratings, or one
// folder up), names of Last.fm artists (artists.dat), or what a prepared file stores; empty
// when the dataset has none.
std::map<std::int64_t, ItemInfo> LoadItemInfo(const std::string& data_path);

}  // namespace ampcf
