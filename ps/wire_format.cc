#include "ps/wire_format.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace ampcf::ps {

namespace {

void EncodeFloat16(const float* in, std::size_t n, std::uint16_t* out) {
  std::size_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    const __m128i half = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), half);
  }
#endif
  for (; i < n; ++i) out[i] = Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(in[i]));
}

void DecodeFloat16(const std::uint16_t* in, std::size_t n, float* out) {
  std::size_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
#endif
  for (; i < n; ++i) out[i] = static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(in[i]));
}

// bfloat16 is the upper half of a float32: rounding to nearest even is integer arithmetic the
// compiler vectorises. NaN stays NaN (its quiet bit is set before the rounding could carry it to inf).
void EncodeBFloat16(const float* in, std::size_t n, std::uint16_t* out) {
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, in + i, 4);
    const bool nan = (bits & 0x7fffffffu) > 0x7f800000u;
    const std::uint32_t rounded = bits + 0x7fffu + ((bits >> 16) & 1u);
    out[i] = static_cast<std::uint16_t>(nan ? (bits >> 16) | 0x40u : rounded >> 16);
  }
}

void DecodeBFloat16(const std::uint16_t* in, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t bits = static_cast<std::uint32_t>(in[i]) << 16;
    std::memcpy(out + i, &bits, 4);
  }
}

// An offset in [0, 1) for stochastic rounding: a hash of a running counter, integer arithmetic the
// compiler vectorises. Its seed does not matter: the modes that send 8-bit gradients are not
// reproducible run to run anyway.
inline float DitherOffset(std::uint32_t counter) {
  std::uint32_t h = counter * 0x9e3779b1u;
  h ^= h >> 15;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return static_cast<float>(h >> 8) * 0x1p-24f;
}

// Dithered: floor(v + u), u uniform, is v on average; else floor(v + 1/2), v to nearest.
template <bool kDithered>
void EncodeInt8Row(const float* in, int width, char* out) {
  const Eigen::Map<const Eigen::ArrayXf> row(in, width);
  // A non-finite value makes the whole row NaN on arrival rather than a finite wrong row.
  const float largest = width > 0 ? row.abs().maxCoeff() : 0.0f;
  const bool finite = std::isfinite((row * 0.0f).sum());  // inf * 0 and NaN * 0 are NaN (a vectorised sum)
  const float scale = finite ? largest / 127.0f : std::numeric_limits<float>::quiet_NaN();
  std::memcpy(out, &scale, sizeof(float));
  const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;  // 0 for a zero or NaN row
  thread_local std::uint32_t counter = 0;
  auto* q = reinterpret_cast<std::int8_t*>(out + sizeof(float));
  for (int c = 0; c < width; ++c) {
    const float offset = kDithered ? DitherOffset(counter + static_cast<std::uint32_t>(c)) : 0.5f;
    float level = std::floor(in[c] * inverse + offset);
    // |v| <= 127 but for rounding in the division: clamped, so that 127.00001 + u cannot wrap.
    level = level > 127.0f ? 127.0f : level;
    level = level < -127.0f ? -127.0f : level;
    q[c] = static_cast<std::int8_t>(static_cast<int>(level));
  }
  if (kDithered) counter += static_cast<std::uint32_t>(width);
}

void DecodeInt8Row(const char* in, int width, float* out) {
  float scale;
  std::memcpy(&scale, in, sizeof(float));
  const auto* q = reinterpret_cast<const std::int8_t*>(in + sizeof(float));
  for (int c = 0; c < width; ++c) out[c] = scale * static_cast<float>(q[c]);
}

}  // namespace

void EncodeRows(const float* in, std::size_t n_rows, int width, ValueFormat format, void* out) {
  if (!IsRowScaled(format)) return EncodeValues(in, n_rows * width, format, out);
  const std::size_t row_bytes = RowsBytes(format, 1, width);
  char* at = static_cast<char*>(out);
  for (std::size_t r = 0; r < n_rows; ++r, at += row_bytes) {
    if (format == ValueFormat::kInt8Dithered)
      EncodeInt8Row<true>(in + r * width, width, at);
    else
      EncodeInt8Row<false>(in + r * width, width, at);
  }
}

void DecodeRows(const void* in, std::size_t n_rows, int width, ValueFormat format, float* out) {
  if (!IsRowScaled(format)) return DecodeValues(in, n_rows * width, format, out);
  const std::size_t row_bytes = RowsBytes(format, 1, width);
  for (std::size_t r = 0; r < n_rows; ++r) DecodeInt8Row(static_cast<const char*>(in) + r * row_bytes, width, out + r * width);
}

void EncodeValues(const float* in, std::size_t n, ValueFormat format, void* out) {
  AMPCF_ASSERT(!IsRowScaled(format), "values of a row-scaled format without their rows");
  switch (format) {
    case ValueFormat::kFloat32:
      std::memcpy(out, in, n * sizeof(float));
      return;
    case ValueFormat::kFloat16:
      if (reinterpret_cast<std::uintptr_t>(out) % 2 == 0) return EncodeFloat16(in, n, static_cast<std::uint16_t*>(out));
      break;
    case ValueFormat::kBFloat16:
      if (reinterpret_cast<std::uintptr_t>(out) % 2 == 0) return EncodeBFloat16(in, n, static_cast<std::uint16_t*>(out));
      break;
    case ValueFormat::kInt8:
    case ValueFormat::kInt8Dithered:
      return;
  }
  // An odd address (never in our messages, whose values follow 4-byte keys): through a copy.
  std::vector<std::uint16_t> aligned(n);
  EncodeValues(in, n, format, aligned.data());
  std::memcpy(out, aligned.data(), n * 2);
}

void DecodeValues(const void* in, std::size_t n, ValueFormat format, float* out) {
  AMPCF_ASSERT(!IsRowScaled(format), "values of a row-scaled format without their rows");
  if (format == ValueFormat::kFloat32) {
    std::memcpy(out, in, n * sizeof(float));
    return;
  }
  std::vector<std::uint16_t> aligned;
  const auto* values = static_cast<const std::uint16_t*>(in);
  if (reinterpret_cast<std::uintptr_t>(in) % 2 != 0) {
    aligned.resize(n);
    std::memcpy(aligned.data(), in, n * 2);
    values = aligned.data();
  }
  if (format == ValueFormat::kFloat16)
    DecodeFloat16(values, n, out);
  else
    DecodeBFloat16(values, n, out);
}

}  // namespace ampcf::ps
