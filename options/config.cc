#include "options/config.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "core/error.h"
#include "core/int_list.h"

namespace ampcf {

namespace {
template <typename T>
void AddOne(CLI::App& app, const char* flags, T& member, const CLI::Validator& check, const char* help) {
  // TakeLast: a config file's settings come first on the command line, and the user's win.
  if constexpr (std::is_same_v<T, bool>) {
    app.add_flag(flags, member, help)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  } else {
    app.add_option(flags, member, help)->check(check)->capture_default_str()->multi_option_policy(
        CLI::MultiOptionPolicy::TakeLast);
  }
}
}  // namespace

#define AMPCF_ADD_OPTION(type, name, flags, dflt, check, help) AddOne(app, flags, config.name, check, help);

void AddOptions(CLI::App& app, DataConfig& config) { AMPCF_DATA_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, TrainConfig& config) { AMPCF_TRAIN_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, EvalConfig& config) { AMPCF_EVAL_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, ExplainConfig& config) { AMPCF_EXPLAIN_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, RecommendConfig& config) { AMPCF_RECOMMEND_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, SimilarItemsConfig& config) { AMPCF_SIMILAR_ITEMS_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, ExportIndexConfig& config) { AMPCF_EXPORT_INDEX_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, AispConfig& config) { AMPCF_AISP_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, PopularityConfig& config) { AMPCF_POPULARITY_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, PrepareConfig& config) { AMPCF_PREPARE_OPTIONS(AMPCF_ADD_OPTION) }
void AddOptions(CLI::App& app, GenerateConfig& config) { AMPCF_GENERATE_OPTIONS(AMPCF_ADD_OPTION) }

CLI::Validator OptionalPositiveIntList() {
  return CLI::Validator(
      [](std::string& text) {
        return text.empty() || ParsePositiveIntList(text)
                   ? std::string()
                   : "'" + text + "' is not a comma-separated list of positive integers";
      },
      "LIST");
}

std::vector<std::string> PretrainedPaths(const TrainConfig& config) {
  std::vector<std::string> paths;
  if (config.pretrained == kNoPretraining) return paths;
  std::istringstream in(config.pretrained);
  for (std::string path; std::getline(in, path, ',');) paths.push_back(path);
  return paths;
}

void Validate(const TrainConfig& c) {
  // Single-option bounds are the table's validators (options/config.h); only what depends on
  // another option is checked here.
  if (c.out.empty()) {
    if (c.checkpoint_every > 0) throw UserError("--checkpoint-every needs --out (checkpoints go to --out/checkpoints)");
    if (c.checkpoint_epochs > 0) throw UserError("--checkpoint-epochs needs --out (checkpoints go to --out/checkpoints)");
    if (c.stop_after_steps > 0) throw UserError("--stop-after-steps needs --out (it writes a checkpoint to resume from)");
    if (c.resume == "auto") throw UserError("--resume auto needs --out (it looks in --out/checkpoints)");
  }
  if (!c.init_from.empty()) {
    // --refit starts again from the initial rows, which --init-from's are not.
    if (c.refit) throw UserError("--refit retrains from fresh rows; it cannot follow --init-from");
    if (!c.pretrained.empty() && c.pretrained != kNoPretraining)
      throw UserError("--init-from and --pretrained both give the starting rows; give one");
  } else if (c.init_shrink != TrainConfig{}.init_shrink || c.init_perturb != TrainConfig{}.init_perturb) {
    throw UserError("--init-shrink and --init-perturb blend the rows of --init-from; give it too");
  }
}

#define AMPCF_DESCRIBE(type, name, flags, dflt, check, help) out << #name << " = " << config.name << "\n";

std::string Describe(const DataConfig& data, const TrainConfig& train) {
  std::ostringstream out;
  {
    const DataConfig& config = data;
    AMPCF_DATA_OPTIONS(AMPCF_DESCRIBE)
  }
  {
    const TrainConfig& config = train;
    AMPCF_TRAIN_OPTIONS(AMPCF_DESCRIBE)
  }
  for (const auto& [name, value] : train.model_options.all()) out << name << " = " << value << "\n";
  return out.str();
}

std::map<std::string, std::string> DescribedValues(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto equals = line.find(" = ");
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 3);
  }
  return values;
}

namespace {
template <typename T>
void ReadDescribed(const std::map<std::string, std::string>& values, const char* name, T& member) {
  const auto found = values.find(name);
  if (found == values.end()) return;
  if constexpr (std::is_same_v<T, std::string>) {
    member = found->second;
  } else {
    std::istringstream in(found->second);
    in >> member;
    if (in.fail() || !in.eof()) throw UserError(Cat("option ", name, " = '", found->second, "' does not read as its type"));
  }
}
}  // namespace

#define AMPCF_READ_DESCRIBED(type, name, flags, dflt, check, help) ReadDescribed(values, #name, config.name);

namespace {
#define AMPCF_NAME(type, name, flags, dflt, check, help) #name,

// The names of the shared tables' options: every other name a description holds is a model's.
bool IsSharedOption(const std::string& name) {
  static const std::set<std::string> kShared = {AMPCF_DATA_OPTIONS(AMPCF_NAME) AMPCF_TRAIN_OPTIONS(AMPCF_NAME)};
  return kShared.count(name) != 0;
}
#undef AMPCF_NAME
}  // namespace

TrainConfig TrainConfigFromDescription(const std::string& text) {
  const std::map<std::string, std::string> values = DescribedValues(text);
  TrainConfig config;
  AMPCF_TRAIN_OPTIONS(AMPCF_READ_DESCRIBED)
  for (const auto& [name, value] : values)
    if (!IsSharedOption(name)) config.model_options.Set(name, value);
  return config;
}

void SetTrainOption(TrainConfig& config, const std::string& name, const std::string& text) {
  const std::map<std::string, std::string> values = {{name, text}};
  bool known = false;
#define AMPCF_SET_ONE(type, member, flags, dflt, check, help) \
  if (name == #member) {                                     \
    known = true;                                            \
    ReadDescribed(values, #member, config.member);           \
  }
  AMPCF_TRAIN_OPTIONS(AMPCF_SET_ONE)
#undef AMPCF_SET_ONE
  if (!known) throw UserError(Cat("no training option named ", name));
}

std::vector<std::string> ChangedTrainingOptions(const std::string& before, const std::string& now) {
  // Only the training table is compared: data options are left to the dataset fingerprint,
  // which the checkpoint check compares already. The run-only options do not change the
  // training the checkpoint holds (--refit acts after early stopping: a finished run can be
  // resumed with it to refit without searching for the epoch again).
  static const std::set<std::string> kRunOnly = {
      "out",     "resume",    "epochs", "patience",         "quiet",         "checkpoint_every", "checkpoint_minutes",
      "checkpoint_epochs", "keep_checkpoints", "stop_after_steps", "servers", "staleness", "refit", "eval_users", "peer_timeout", "dense_every",
      "cache_steps", "pulls_in_flight", "steps_per_message", "wire_bits", "threads"};
  const auto old_values = DescribedValues(before), new_values = DescribedValues(now);
  std::vector<std::string> changed;
  auto compare = [&](const char* name, const char* flags) {
    const auto old = old_values.find(name), current = new_values.find(name);
    if (kRunOnly.count(name) != 0 || current == new_values.end()) return;
    const std::string old_value = old == old_values.end() ? "(absent)" : old->second;
    const std::string_view flag(flags);  // "--dim,-d": the long name
    if (old_value != current->second)
      changed.push_back(Cat(flag.substr(0, flag.find(',')), " was ", old_value, ", now ", current->second));
  };
#define AMPCF_COMPARE(type, name, flags, dflt, check, help) compare(#name, flags);
  AMPCF_TRAIN_OPTIONS(AMPCF_COMPARE)
#undef AMPCF_COMPARE
  for (const auto& [name, value] : new_values) {
    if (IsSharedOption(name)) continue;
    std::string flag = "--" + name;  // a model's option: its flag is its name with dashes
    std::replace(flag.begin(), flag.end(), '_', '-');
    compare(name.c_str(), flag.c_str());
  }
  // The consistency mode is run-only option by option, but going from synchronous to the
  // per-worker modes (or back) changes each worker's batches and the steps of an epoch, and the
  // default changed from one to the other: never silent either.
  auto synchronous = [](const std::map<std::string, std::string>& values) {
    const auto staleness = values.find("staleness"), deterministic = values.find("deterministic");
    return (deterministic != values.end() && deterministic->second == "1") ||
           (staleness != values.end() && staleness->second == "0");
  };
  if (old_values.count("staleness") != 0 && synchronous(old_values) != synchronous(new_values))
    changed.push_back(synchronous(old_values)
                          ? "trained in synchronous mode, now asynchronous (each worker on batches of its own; "
                            "--staleness 0 keeps the checkpoint's mode)"
                          : "trained in an asynchronous mode, now synchronous (the workers split every batch)");
  return changed;
}

}  // namespace ampcf
