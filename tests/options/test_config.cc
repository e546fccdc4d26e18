#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "options/config.h"
#include "options/config_file.h"
#include "models/amp/amp_options.h"
#include "core/error.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

struct Command {
  CLI::App app{"test"};
  CLI::App* train = app.add_subcommand("train");
  DataConfig data;
  TrainConfig config;
  Command() {
    AddOptions(*train, data);
    AddOptions(*train, config);
    AddModelOptions(*train, AmpOptions::Specs(), config.model_options, "amp-cf");
    train->add_option("--config");
  }
  void Parse(std::vector<std::string> arguments) {
    arguments = ExpandConfigFile(arguments, app);
    arguments.erase(arguments.begin());
    std::reverse(arguments.begin(), arguments.end());
    app.parse(arguments);
  }
};

TEST(ConfigFile, SettingsApplyAndTheCommandLineWins) {
  testing::TempDir dir;
  const std::string path = dir.File("run.toml", "personas = 3\nlr = 0.002\ndeterministic = true\n[train]\nepochs = 7\n"
                                                "data = \"ratings.csv\"\n");
  Command command;
  command.Parse({"ampcf", "train", "--config", path, "--personas", "4"});
  EXPECT_EQ(AmpOptions::From(command.config.model_options).personas, 4);
  EXPECT_DOUBLE_EQ(command.config.lr, 0.002);
  EXPECT_TRUE(command.config.deterministic);
  EXPECT_EQ(command.config.epochs, 7);
  EXPECT_EQ(command.data.data, "ratings.csv");
}

TEST(ConfigFile, UnknownKeysBadValuesAndMissingFilesAreErrors) {
  testing::TempDir dir;
  Command command;
  const std::string typo = dir.File("typo.toml", "personaz = 3\n");
  try {
    command.Parse({"ampcf", "train", "--config", typo});
    FAIL();
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("unknown option 'personaz'"), std::string::npos);
  }
  EXPECT_THROW(command.Parse({"ampcf", "train", "--config", dir.Path("absent.toml")}), UserError);
  EXPECT_THROW(command.Parse({"ampcf", "train", "--config", dir.File("broken.toml", "epochs = [1\n")}), UserError);
  Command range;
  EXPECT_THROW(range.Parse({"ampcf", "train", "--config", dir.File("zero.toml", "personas = 0\n")}), CLI::ValidationError);
}

// Single-option bounds live in the option table: the command line rejects them, naming the option.
TEST(Config, TheTableRejectsOutOfRangeValues) {
  const std::vector<std::pair<std::string, std::string>> out_of_range = {
      {"--personas", "0"}, {"--dim", "0"},   {"--att-dim", "0"},   {"--negatives", "0"},
      {"--batch", "0"},    {"--epochs", "0"}, {"--lr", "0"},        {"--alpha", "-0.5"},
      {"--alpha", "1.5"},  {"--servers", "-1"}, {"--staleness", "-2"}};
  for (const auto& [flag, value] : out_of_range) {
    Command command;
    try {
      command.Parse({"ampcf", "train", flag, value});
      ADD_FAILURE() << flag << " " << value << " was accepted";
    } catch (const CLI::ValidationError& error) {
      EXPECT_NE(std::string(error.what()).find(flag), std::string::npos) << error.what();
    }
  }
  // The bounds themselves are valid.
  Command edges;
  edges.Parse({"ampcf", "train", "--personas", "1", "--alpha", "1", "--servers", "0", "--staleness", "-1", "--lr",
               "1e-12"});
  EXPECT_EQ(AmpOptions::From(edges.config.model_options).personas, 1);
  EXPECT_DOUBLE_EQ(AmpOptions::From(edges.config.model_options).alpha, 1.0);
  EXPECT_EQ(edges.config.servers, 0);
  EXPECT_EQ(edges.config.staleness, -1);
  EXPECT_DOUBLE_EQ(edges.config.lr, 1e-12);
}

// What needs --out is a relation between two options, which no single validator sees.
TEST(Config, ValidateRejectsWhatValidatorsCannotSee) {
  TrainConfig config;
  EXPECT_NO_THROW(Validate(config));
  auto needs_out = [](TrainConfig with) {
    try {
      Validate(with);
      ADD_FAILURE() << "accepted without --out";
    } catch (const UserError& error) {
      EXPECT_NE(std::string(error.what()).find("needs --out"), std::string::npos) << error.what();
    }
    with.out = "run";
    EXPECT_NO_THROW(Validate(with));
  };
  TrainConfig checkpoints = config, stop = config, resume = config;
  checkpoints.checkpoint_every = 100;
  stop.stop_after_steps = 5;
  resume.resume = "auto";
  needs_out(checkpoints);
  needs_out(stop);
  needs_out(resume);
}

// Resuming a synchronous run in the default (asynchronous) mode changes the batches: named.
TEST(Config, ChangedTrainingOptionsNamesAChangeOfConsistencyMode) {
  DataConfig data;
  TrainConfig synchronous, fast, deterministic;
  synchronous.staleness = 0;
  deterministic.deterministic = true;
  auto mode_changes = [&](const TrainConfig& before, const TrainConfig& now) {
    int count = 0;
    for (const std::string& change : ChangedTrainingOptions(Describe(data, before), Describe(data, now)))
      count += change.find("synchronous") != std::string::npos;
    return count;
  };
  const auto changed = ChangedTrainingOptions(Describe(data, synchronous), Describe(data, fast));
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_NE(changed[0].find("synchronous mode, now asynchronous"), std::string::npos) << changed[0];
  EXPECT_EQ(mode_changes(synchronous, deterministic), 0) << "both synchronous";
  EXPECT_EQ(mode_changes(fast, deterministic), 1);
  EXPECT_EQ(mode_changes(fast, fast), 0);
}

// The default is the fast mode; --deterministic and --staleness 0 turn every part of it off.
TEST(Config, DeterministicTurnsTheFastModeOff) {
  TrainConfig fast;
  EXPECT_FALSE(fast.synchronous());
  EXPECT_EQ(fast.cache_steps_used(), 4);
  EXPECT_EQ(fast.pulls_in_flight_used(), 2);
  EXPECT_EQ(fast.wire_bits_used(), 8);

  TrainConfig deterministic = fast, synchronous = fast;
  deterministic.deterministic = true;
  synchronous.staleness = 0;
  for (const TrainConfig& config : {deterministic, synchronous}) {
    EXPECT_TRUE(config.synchronous());
    EXPECT_EQ(config.cache_steps_used(), 1);
    EXPECT_EQ(config.pulls_in_flight_used(), 1);
    EXPECT_EQ(config.wire_bits_used(), 32);
  }

  TrainConfig bounded = fast;
  bounded.staleness = 1;
  bounded.pulls_in_flight = 5;
  EXPECT_EQ(bounded.pulls_in_flight_used(), 2) << "a pull must not wait for the worker's own later push";
}

// A message's steps must all be served by the copies its pull brings, and its pull must not wait
// for the worker's own later pushes.
TEST(Config, StepsPerMessageStayWithinTheCacheAndTheStaleness) {
  TrainConfig config;
  EXPECT_EQ(config.steps_per_message_used(), 1);
  config.steps_per_message = 8;
  EXPECT_EQ(config.steps_per_message_used(), 4) << "at most --cache-steps";
  config.steps_per_message = 2;
  config.staleness = 3;
  config.pulls_in_flight = 5;
  EXPECT_EQ(config.pulls_in_flight_used(), 2) << "(D - 1) S <= staleness";
  config.staleness = 0;
  EXPECT_EQ(config.steps_per_message_used(), 1) << "synchronous: one message a step";
}

// --resume warns about these: a checkpoint trained at another learning rate must not pass unnoticed.
TEST(Config, ChangedTrainingOptionsNamesModelOptionsOnly) {
  DataConfig data;
  TrainConfig before;  // as the command line fills it: every model option present
  before.model_options.Set("att_lr_scale", 0.01);
  before.model_options.Set("persona_tie", 0.03);
  const std::string text = Describe(data, before);
  EXPECT_TRUE(ChangedTrainingOptions(text, text).empty());

  TrainConfig now = before;
  now.model_options.Set("att_lr_scale", 1);
  now.epochs = before.epochs + 5;  // run-only options are not reported
  now.out = "elsewhere";
  DataConfig moved = data;
  moved.data = "/another/path/to/the/same/data";  // the dataset fingerprint judges data options
  const auto changed = ChangedTrainingOptions(text, Describe(moved, now));
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0], "--att-lr-scale was 0.01, now 1");

  // A checkpoint from before an option existed reports it as absent.
  std::string old_text;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("persona_tie = ", 0) != 0) old_text += line + "\n";
  const auto added = ChangedTrainingOptions(old_text, text);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0], "--persona-tie was (absent), now 0.03");
}

}  // namespace
}  // namespace ampcf
