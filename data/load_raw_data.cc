// Picks the reader of --data: the folder's known file names, then --format or the file's name.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "data/readers.h"
#include "data/synthetic.h"
#include "data/text_fields.h"

namespace ampcf {

namespace fs = std::filesystem;

namespace {
// The first file of `folder` whose name ends with `suffix`, or "".
std::string FileEndingIn(const fs::path& folder, const std::string& suffix) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().string();
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) return name;
  }
  return "";
}

std::string NcfPrefixIn(const fs::path& folder) {
  const std::string suffix = ".train.rating";
  const std::string name = FileEndingIn(folder, suffix);
  return name.empty() ? name : name.substr(0, name.size() - suffix.size());
}

std::vector<int> ParseColumns(const std::string& text) {
  std::vector<std::string_view> fields;
  SplitFields(text, ",", fields);
  std::vector<int> columns;
  for (std::string_view field : fields) {
    std::int64_t value = 0;
    if (!ParseInt(field, value) || value < -1 || value > 1000)
      throw UserError(Cat("--columns: '", text, "' is not a list of column numbers like 0,1,3"));
    columns.push_back(static_cast<int>(value));
  }
  if (columns.size() < 2 || columns.size() > 3)
    throw UserError(Cat("--columns: expected user,item[,timestamp], got '", text, "'"));
  if (columns.size() == 2) columns.push_back(-1);
  return columns;
}
}  // namespace

InputFile ResolveInput(const DataConfig& config) {
  std::string format = config.format;
  if (config.data == "synthetic" || format == "synthetic") return {"", "synthetic"};
  fs::path path(config.data);
  if (!fs::exists(path)) throw UserError(Cat("--data ", config.data, ": no such file or folder"));
  if (fs::is_directory(path)) {
    for (const char* candidate : {"ratings.csv", "ratings.dat", "ratings.dat.gz", "u.data", "user_artists.dat"}) {
      if (fs::exists(path / candidate)) {
        path /= candidate;
        break;
      }
    }
    if (fs::is_directory(path) && format != "ncf") {
      // RecBole's atomic files: DATASET/DATASET.inter beside .item and .user feature files.
      const std::string inter = FileEndingIn(path, ".inter");
      if (!inter.empty()) path = inter;
    }
    if (fs::is_directory(path)) {
      std::string prefix = NcfPrefixIn(path);
      if (prefix.empty())
        throw UserError(Cat("--data ", config.data,
                            ": folder holds no ratings.csv, ratings.dat, u.data, user_artists.dat, *.inter or *.train.rating"));
      if (format != "auto" && format != "ncf")
        throw UserError(Cat("--data ", config.data, ": folder holds NCF files but --format is ", format));
      return {prefix, "ncf"};
    }
  }
  const std::string name = path.filename().string();
  auto ends_with = [&](const std::string& suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (format == "auto") {
    if (name == "user_artists.dat" || name == "user_artists.dat.gz")
      format = "lastfm";
    else if (name.rfind("ydata-ymusic", 0) == 0)
      format = "yahoo";
    else if (name.rfind("ratings_", 0) == 0 && (ends_with(".csv") || ends_with(".csv.gz")))
      format = "amazon-csv";
    else if (ends_with(".json") || ends_with(".json.gz"))
      format = "amazon-json";
    else if (ends_with(".csv") || ends_with(".csv.gz"))
      format = "movielens-csv";
    else if (ends_with(".dat") || ends_with(".dat.gz"))
      format = "movielens-dat";
    else if (name == "u.data" || ends_with(".data"))
      format = "movielens-100k";
    else if (ends_with(".train.rating"))
      format = "ncf";
    else if (ends_with(".inter") || ends_with(".inter.gz"))
      format = "recbole";
    else if (ends_with(".h5"))  // a prepared file would have been read before this
      throw UserError(Cat("--data ", config.data, ": not a prepared dataset (an unreadable HDF5 file, or a model, ",
                          "checkpoint or other ampcf output; `ampcf prepare` writes datasets)"));
    else
      throw UserError(Cat("--data ", config.data, ": cannot guess the format from the name; pass --format"));
  }
  std::string file = path.string();
  const std::string suffix = ".train.rating";
  if (format == "ncf" && ends_with(suffix)) file = file.substr(0, file.size() - suffix.size());
  return {file, format};
}

RawData LoadRawData(const DataConfig& config) {
  const InputFile input = ResolveInput(config);
  const std::string& format = input.format;
  const std::string& path = input.path;
  if (format == "synthetic") {
    SyntheticSpec spec;
    spec.users = config.synthetic_users;
    spec.items = config.synthetic_items;
    return GenerateSynthetic(spec).raw;
  }
  if (format == "movielens-csv") return ReadMovieLensCsv(path);
  if (format == "movielens-dat") return ReadMovieLensDat(path);
  if (format == "movielens-100k") return ReadMovieLens100k(path);
  if (format == "yahoo") return ReadYahoo(path);
  if (format == "amazon-csv") return ReadAmazonCsv(path);
  if (format == "amazon-json") return ReadAmazonJson(path);
  if (format == "log") return ReadInteractionLog(path);
  if (format == "recbole") return ReadRecBoleInter(path);
  if (format == "lastfm") return ReadLastfm(path);
  if (format == "ncf") return ReadNcf(path, config.ncf_item_map, config.ncf_timestamps);
  std::vector<int> columns = ParseColumns(config.columns);
  std::string delimiter = config.delimiter == "\\t" ? "\t" : config.delimiter;
  return ReadDelimited(path, delimiter, config.header, columns[0], columns[1], columns[2]);
}

}  // namespace ampcf
