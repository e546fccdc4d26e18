// Random numbers: every random choice is seeded from the run's seed, so runs repeat.
// Rows are initialised from a counter-based stream keyed by (seed, table, row), so a row's
// initial value does not depend on which rank owns it or on the rank layout.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace ampcf {

inline std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Mixes several words into one seed.
inline std::uint64_t MixSeed(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) {
  std::uint64_t s = a;
  std::uint64_t x = SplitMix64(s) ^ b;
  x = SplitMix64(x) ^ c;
  return SplitMix64(x);
}

using Rng = std::mt19937_64;

// Uniform double in [0, 1), the same on every platform (unlike std::uniform_real_distribution).
inline double Uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift, negligible bias for n << 2^64).
inline std::uint64_t UniformIndex(Rng& rng, std::uint64_t n) {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(rng()) * n) >> 64);
}

// Fills values[0..n) with N(0, stddev^2) drawn from the stream keyed by (seed, table, row).
template <typename Float>
void FillNormal(Float* values, int n, double stddev, std::uint64_t seed, std::uint64_t table, std::uint64_t row) {
  std::uint64_t state = MixSeed(seed, table, row);
  for (int i = 0; i < n; i += 2) {
    double u1 = (static_cast<double>(SplitMix64(state) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;
    double radius = std::sqrt(-2.0 * std::log(u1)) * stddev;
    values[i] = static_cast<Float>(radius * std::cos(2 * M_PI * u2));
    if (i + 1 < n) values[i + 1] = static_cast<Float>(radius * std::sin(2 * M_PI * u2));
  }
}

}  // namespace ampcf
