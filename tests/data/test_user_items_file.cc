// Users' items from a file (data/user_items_file.h).
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "data/dataset.h"
#include "data/id_lookup.h"
#include "data/synthetic.h"
#include "data/user_items_file.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

using testing::TempDir;

Dataset SmallData() {
  SyntheticSpec spec;
  spec.users = 40;
  spec.items = 60;
  return Prepare(GenerateSynthetic(spec).raw, DataConfig());
}

// The dataset's original id of dense item j, as a file names it.
std::string ItemId(const Dataset& data, std::int32_t j) { return std::to_string(data.item_ids[j]); }

TEST(UserItemsFile, UsersInFileOrderWithTheirItemsSortedOnce) {
  const Dataset data = SmallData();
  TempDir dir;
  const std::string path = dir.File(
      "users.txt", "# user item\n\nbob " + ItemId(data, 7) + "\nalice," + ItemId(data, 5) + ",4.5\nbob\t" +
                       ItemId(data, 2) + "\nbob " + ItemId(data, 7) + " 1700000000\n");
  const UserItems file = ReadUserItems("--new-users", path, IdLookup(data));
  EXPECT_EQ(file.users, (std::vector<std::string>{"bob", "alice"}));
  EXPECT_EQ(file.first_line, (std::vector<long>{3, 4}));
  EXPECT_EQ(file.items, (std::vector<std::vector<std::int32_t>>{{2, 7}, {5}}));
  EXPECT_TRUE(file.skipped.empty());
  EXPECT_TRUE(file.dropped_users.empty());
}

TEST(UserItemsFile, UnknownItemsAreSkippedByLineAndUsersLeftWithoutItemsDropped) {
  const Dataset data = SmallData();
  TempDir dir;
  const std::string path =
      dir.File("users.txt", "ann " + ItemId(data, 1) + "\nann no-such-item\nghost 99999999\nann " + ItemId(data, 3) + "\n");
  const UserItems file = ReadUserItems("--new-users", path, IdLookup(data));
  EXPECT_EQ(file.users, std::vector<std::string>{"ann"});
  EXPECT_EQ(file.items, (std::vector<std::vector<std::int32_t>>{{1, 3}}));
  ASSERT_EQ(file.skipped.size(), 2u);
  EXPECT_EQ(file.skipped[0].line, 2);
  EXPECT_EQ(file.skipped[0].item, "no-such-item");
  EXPECT_EQ(file.skipped[1].line, 3);
  EXPECT_EQ(file.dropped_users, std::vector<std::string>{"ghost"});
}

TEST(UserItemsFile, ALineWithOneFieldNamesOptionFileAndLine) {
  const Dataset data = SmallData();
  TempDir dir;
  const std::string path = dir.File("users.txt", "ann " + ItemId(data, 1) + "\nann\n");
  try {
    ReadUserItems("--new-users", path, IdLookup(data));
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("--new-users " + path + ":2: expected 'user item'"), std::string::npos) << message;
  }
}

TEST(UserItemsFile, AFileWithoutAKnownItemIsAnError) {
  const Dataset data = SmallData();
  TempDir dir;
  EXPECT_THROW(ReadUserItems("--new-users", dir.File("none.txt", "ann 99999999\n"), IdLookup(data)), UserError);
  EXPECT_THROW(ReadUserItems("--new-users", dir.File("empty.txt", "# nothing\n"), IdLookup(data)), UserError);
}

TEST(UserItemsFile, UsersOfFileKeepIntegerIdsOrNamesAndTheItemSide) {
  const Dataset data = SmallData();
  TempDir dir;
  const UserItems numbers = ReadUserItems(
      "--new-users", dir.File("n.txt", "70 " + ItemId(data, 1) + "\n9 " + ItemId(data, 2) + "\n8 " + ItemId(data, 3) + "\n"),
      IdLookup(data));
  const Dataset part = UsersOfFile(data, numbers, {1, 3});
  EXPECT_EQ(part.n_users, 3);
  EXPECT_FALSE(part.HasUserNames());
  EXPECT_EQ(part.UserId(1), 9);
  EXPECT_EQ(part.UserId(2), 8);
  EXPECT_EQ(std::vector<std::int32_t>(part.TrainItems(2).begin(), part.TrainItems(2).end()), std::vector<std::int32_t>{3});
  EXPECT_EQ(part.ValItem(1), -1);
  EXPECT_EQ(part.item_ids, data.item_ids);
  EXPECT_EQ(part.item_train_counts, data.item_train_counts);
  // "007" is not written as an integer: every id of the file is then a name.
  const UserItems names = ReadUserItems(
      "--new-users", dir.File("s.txt", "7 " + ItemId(data, 1) + "\n007 " + ItemId(data, 2) + "\n"), IdLookup(data));
  const Dataset named = UsersOfFile(data, names, {0, 2});
  ASSERT_TRUE(named.HasUserNames());
  EXPECT_EQ(named.UserName(0), "7");
  EXPECT_EQ(named.UserName(1), "007");
}

}  // namespace
}  // namespace ampcf
