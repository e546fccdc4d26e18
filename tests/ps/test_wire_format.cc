// ps/wire_format: 16-bit and 8-bit rows and gradients on the wire.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <limits>
#include <vector>

#include "ps/wire_format.h"

namespace ampcf {
namespace {

std::vector<float> RoundTrip(const std::vector<float>& values, ps::ValueFormat format) {
  std::vector<char> wire(values.size() * ps::ValueBytes(format) + 1);
  std::vector<float> back(values.size());
  ps::EncodeValues(values.data(), values.size(), format, wire.data());
  ps::DecodeValues(wire.data(), values.size(), format, back.data());
  return back;
}

// Values over many magnitudes and signs; lengths that exercise the 8-wide loop and its tail.
std::vector<float> Values(std::size_t n) {
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i)
    values[i] = static_cast<float>((i % 2 ? -1.0 : 1.0) * std::pow(10.0, -3.0 + 5.0 * i / std::max<std::size_t>(n, 2)) * (1 + 0.37 * i));
  return values;
}

TEST(WireFormat, Float32IsExact) {
  const std::vector<float> values = Values(19);
  EXPECT_EQ(RoundTrip(values, ps::ValueFormat::kFloat32), values);
}

TEST(WireFormat, Float16KeepsElevenSignificantBits) {
  for (std::size_t n : {1u, 7u, 8u, 9u, 17u, 65u}) {
    const std::vector<float> values = Values(n), back = RoundTrip(values, ps::ValueFormat::kFloat16);
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(back[i], values[i], std::abs(values[i]) * std::pow(2.0, -11)) << n << " " << i;
  }
}

TEST(WireFormat, BFloat16KeepsEightSignificantBits) {
  for (std::size_t n : {1u, 8u, 9u, 65u}) {
    const std::vector<float> values = Values(n), back = RoundTrip(values, ps::ValueFormat::kBFloat16);
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(back[i], values[i], std::abs(values[i]) * std::pow(2.0, -8)) << n << " " << i;
  }
}

TEST(WireFormat, BFloat16RoundsToNearestEven) {
  // 1 + 2^-8 lies halfway between bfloat16's 1 and 1 + 2^-7: even is 1. Just above it goes up.
  EXPECT_EQ(RoundTrip({1.0f + 0x1p-8f}, ps::ValueFormat::kBFloat16)[0], 1.0f);
  EXPECT_EQ(RoundTrip({1.0f + 0x1p-8f + 0x1p-20f}, ps::ValueFormat::kBFloat16)[0], 1.0f + 0x1p-7f);
}

// Why gradients travel as bfloat16: a gradient divided by the batch is below float16's range.
TEST(WireFormat, SmallGradientsSurviveBFloat16ButNotFloat16) {
  const std::vector<float> tiny = {3e-9f, -2e-12f};
  const std::vector<float> b = RoundTrip(tiny, ps::ValueFormat::kBFloat16);
  EXPECT_NEAR(b[0], tiny[0], 3e-9 * 0x1p-8);
  EXPECT_NEAR(b[1], tiny[1], 2e-12 * 0x1p-8);
  EXPECT_EQ(RoundTrip(tiny, ps::ValueFormat::kFloat16), (std::vector<float>{0.0f, -0.0f}));
}

TEST(WireFormat, NanAndInfinityStayWhatTheyAre) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (ps::ValueFormat format : {ps::ValueFormat::kFloat16, ps::ValueFormat::kBFloat16}) {
    const std::vector<float> back = RoundTrip({nan, inf, -inf}, format);
    EXPECT_TRUE(std::isnan(back[0]));
    EXPECT_EQ(back[1], inf);
    EXPECT_EQ(back[2], -inf);
  }
  // A NaN whose payload sits in the low bits alone must not round to infinity.
  std::uint32_t bits = 0x7f800001u;
  float low_nan;
  std::memcpy(&low_nan, &bits, 4);
  EXPECT_TRUE(std::isnan(RoundTrip({low_nan}, ps::ValueFormat::kBFloat16)[0]));
  // Beyond float16's largest finite value (65504) is infinity there.
  EXPECT_EQ(RoundTrip({70000.0f}, ps::ValueFormat::kFloat16)[0], inf);
}

TEST(WireFormat, AnyAlignment) {
  const std::vector<float> values = Values(13);
  for (ps::ValueFormat format : {ps::ValueFormat::kFloat16, ps::ValueFormat::kBFloat16}) {
    std::vector<char> wire(values.size() * 2 + 1);
    std::vector<float> back(values.size());
    ps::EncodeValues(values.data(), values.size(), format, wire.data() + 1);
    ps::DecodeValues(wire.data() + 1, values.size(), format, back.data());
    EXPECT_EQ(back, RoundTrip(values, format));
  }
}

// 8 bits: rows of `width` values, encoded and decoded (the wire one byte longer, unaligned).
std::vector<float> RoundTripRows(const std::vector<float>& values, int width, ps::ValueFormat format) {
  const std::size_t n_rows = values.size() / width;
  std::vector<char> wire(ps::RowsBytes(format, n_rows, width) + 1);
  std::vector<float> back(values.size());
  ps::EncodeRows(values.data(), n_rows, width, format, wire.data() + 1);
  ps::DecodeRows(wire.data() + 1, n_rows, width, format, back.data());
  return back;
}

TEST(WireFormat, Int8RowsAreWithinHalfAStepOfTheirRowsScale) {
  constexpr int kWidth = 65;  // an item row of AMP-CF at d = 64: the bias beside the vector
  const std::vector<float> values = Values(3 * kWidth), back = RoundTripRows(values, kWidth, ps::ValueFormat::kInt8);
  EXPECT_EQ(ps::RowsBytes(ps::ValueFormat::kInt8, 3, kWidth), 3u * (4 + kWidth));
  for (int r = 0; r < 3; ++r) {
    float largest = 0;
    for (int c = 0; c < kWidth; ++c) largest = std::max(largest, std::abs(values[r * kWidth + c]));
    for (int c = 0; c < kWidth; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * kWidth + c;
      EXPECT_NEAR(back[i], values[i], largest / 254 * 1.0001) << r << " " << c;
    }
  }
}

TEST(WireFormat, DitheredInt8KeepsEachValuesMeanEvenBelowOneStep) {
  // The second value is 1/1000 of a step of its row's grid: rounded to nearest it would always
  // arrive as 0; dithered, its mean over many encodings is itself.
  const std::vector<float> row = {1.0f, 1.0f / 127 / 1000, -0.3f, 0.25f / 127};
  constexpr int kTrials = 200000;
  std::vector<double> sums(row.size(), 0.0);
  for (int trial = 0; trial < kTrials; ++trial) {
    const std::vector<float> back = RoundTripRows(row, static_cast<int>(row.size()), ps::ValueFormat::kInt8Dithered);
    for (std::size_t c = 0; c < row.size(); ++c) sums[c] += back[c];
  }
  const double step = 1.0 / 127;
  for (std::size_t c = 0; c < row.size(); ++c)
    EXPECT_NEAR(sums[c] / kTrials, row[c], 4 * step / std::sqrt(static_cast<double>(kTrials)) + step / 512) << c;
  EXPECT_EQ(RoundTripRows(row, 4, ps::ValueFormat::kInt8)[1], 0.0f);
}

TEST(WireFormat, Int8ZeroRowsAndNonFiniteRows) {
  const float inf = std::numeric_limits<float>::infinity();
  for (ps::ValueFormat format : {ps::ValueFormat::kInt8, ps::ValueFormat::kInt8Dithered}) {
    EXPECT_EQ(RoundTripRows({0.0f, 0.0f, 0.0f}, 3, format), (std::vector<float>{0.0f, 0.0f, 0.0f}));
    // A row with inf or NaN arrives all NaN, never as finite wrong values.
    for (float bad : {inf, std::numeric_limits<float>::quiet_NaN()}) {
      const std::vector<float> back = RoundTripRows({0.5f, bad, 0.0f, 1.0f, 2.0f, 3.0f}, 3, format);
      for (int c = 0; c < 3; ++c) EXPECT_TRUE(std::isnan(back[c])) << c;
      EXPECT_NEAR(back[5], 3.0f, 3.0f / 254);  // the next row keeps its own scale
    }
  }
}

}  // namespace
}  // namespace ampcf
