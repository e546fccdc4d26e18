// The wire format of ps/protocol.h: a message's header, keys and values, built and parsed.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "ps/protocol.h"
#include "tests/amp_shard.h"

namespace ampcf {
namespace {

using testing::Keys;

TEST(Protocol, BuildThenParseRoundTripsHeaderKeysAndValues) {
  ps::Header header;
  header.worker = 3;
  header.flag = 1;
  header.clock = std::int64_t{1} << 40;  // wider than 32 bits
  // One list per table, one of them empty.
  const std::vector<std::vector<std::int32_t>> lists = {{1, 4, 7}, {}, {0, 2}, {9}};
  ps::KeyLists keys;
  for (int t = 0; t < ps::kMaxTables; ++t) {
    keys.keys[t] = lists[t].data();
    keys.n[t] = header.n_keys[t] = static_cast<std::int32_t>(lists[t].size());
  }
  constexpr std::size_t kValues = 11;
  std::vector<char> buffer;
  float* values = ps::BuildMessage(header, keys, kValues, buffer);
  for (std::size_t i = 0; i < kValues; ++i) values[i] = 0.5f * static_cast<float>(i) - 1.0f;

  ps::MessageView view;
  ASSERT_TRUE(ps::ParseMessage(buffer.data(), buffer.size(), view));
  EXPECT_EQ(view.header.worker, header.worker);
  EXPECT_EQ(view.header.flag, header.flag);
  EXPECT_EQ(view.header.clock, header.clock);
  for (int t = 0; t < ps::kMaxTables; ++t) {
    EXPECT_EQ(view.header.n_keys[t], header.n_keys[t]) << "table " << t;
    ASSERT_EQ(view.keys.n[t], static_cast<int>(lists[t].size())) << "table " << t;
    EXPECT_EQ(std::vector<std::int32_t>(view.keys.keys[t], view.keys.keys[t] + view.keys.n[t]), lists[t]) << "table " << t;
  }
  ASSERT_EQ(view.n_values, kValues);
  for (std::size_t i = 0; i < kValues; ++i) EXPECT_EQ(view.values[i], 0.5f * static_cast<float>(i) - 1.0f);
}

TEST(Protocol, KeylessMessageCarriesNoKeysWhateverItsHeaderSaid) {
  ps::Header header;
  header.clock = 7;
  header.n_keys[0] = 4;
  constexpr std::size_t kValues = 6;
  std::vector<char> buffer;
  ps::BuildKeylessMessage(header, kValues, buffer);
  ps::MessageView view;
  ASSERT_TRUE(ps::ParseMessage(buffer.data(), buffer.size(), view));
  EXPECT_EQ(ps::KeyCount(view.header), 0u);
  EXPECT_EQ(view.header.clock, 7);
  EXPECT_EQ(view.n_values, kValues);
}

TEST(Protocol, ParseRejectsABufferShorterThanTheHeader) {
  std::vector<char> buffer;
  ps::BuildKeylessMessage(ps::Header{}, 0, buffer);
  ps::MessageView view;
  EXPECT_TRUE(ps::ParseMessage(buffer.data(), buffer.size(), view));
  EXPECT_FALSE(ps::ParseMessage(buffer.data(), buffer.size() - 1, view));
}

TEST(Protocol, ParseRejectsANegativeKeyCount) {
  ps::Header header;
  header.n_keys[1] = -1;
  std::vector<char> buffer(sizeof(ps::Header) + 16 * sizeof(float));  // room to spare: only the count is wrong
  std::memcpy(buffer.data(), &header, sizeof(header));
  ps::MessageView view;
  EXPECT_FALSE(ps::ParseMessage(buffer.data(), buffer.size(), view));
}

TEST(Protocol, ParseRejectsABufferShorterThanItsKeys) {
  const std::vector<std::int32_t> items = {0, 2, 5}, att = {1};
  ps::Header header;
  header.n_keys[0] = 3;
  header.n_keys[1] = 1;
  std::vector<char> buffer;
  ps::BuildMessage(header, Keys(items, att), 0, buffer);
  ps::MessageView view;
  ASSERT_TRUE(ps::ParseMessage(buffer.data(), buffer.size(), view));  // exactly its keys: no values
  EXPECT_EQ(view.n_values, 0u);
  EXPECT_FALSE(ps::ParseMessage(buffer.data(), buffer.size() - 1, view));
  EXPECT_FALSE(ps::ParseMessage(buffer.data(), buffer.size() - sizeof(std::int32_t), view));
}

}  // namespace
}  // namespace ampcf
