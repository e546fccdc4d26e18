// How the values of a parameter-server message travel (ps/protocol.h: Header::format). Rows
// and gradients are float32 in memory everywhere; on the wire they may be 16-bit:
//   rows (pull replies) as IEEE float16: 11 significant bits, enough for embeddings and
//     attention weights whose magnitudes stay far inside float16's range (6e-5 .. 65504);
//   gradients (pushes) as bfloat16: 8 significant bits but float32's exponent range, because a
//     gradient divided by the batch (1e-7 and below) would flush to zero in float16.
// Conversions round to nearest even; values outside float16's range become +-inf there.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ampcf::ps {

enum class ValueFormat : std::int32_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kBFloat16 = 2,
};

constexpr std::size_t ValueBytes(ValueFormat format) { return format == ValueFormat::kFloat32 ? 4 : 2; }
constexpr bool IsValueFormat(std::int32_t format) { return format >= 0 && format <= 2; }

// Writes n values of `in` to `out` (n * ValueBytes(format) bytes, any alignment).
void EncodeValues(const float* in, std::size_t n, ValueFormat format, void* out);
// Reads n values of `format` from `in` (any alignment) into `out`.
void DecodeValues(const void* in, std::size_t n, ValueFormat format, float* out);

}  // namespace ampcf::ps
