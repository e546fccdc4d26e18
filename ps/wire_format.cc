#include "ps/wire_format.h"

#include <Eigen/Core>
#include <cstring>
#include <vector>

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

}  // namespace

void EncodeValues(const float* in, std::size_t n, ValueFormat format, void* out) {
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
  }
  // An odd address (never in our messages, whose values follow 4-byte keys): through a copy.
  std::vector<std::uint16_t> aligned(n);
  EncodeValues(in, n, format, aligned.data());
  std::memcpy(out, aligned.data(), n * 2);
}

void DecodeValues(const void* in, std::size_t n, ValueFormat format, float* out) {
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
