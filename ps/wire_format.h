// How the values of a parameter-server message travel (ps/protocol.h: Header::format). Rows
// and gradients are float32 in memory everywhere; on the wire they may be 16-bit or 8-bit:
//   rows (pull replies) as IEEE float16: 11 significant bits, enough for embeddings and
//     attention weights whose magnitudes stay far inside float16's range (6e-5 .. 65504);
//   gradients (pushes) as bfloat16: 8 significant bits but float32's exponent range, because a
//     gradient divided by the batch (1e-7 and below) would flush to zero in float16.
//   8-bit: each row as a float32 scale (its largest magnitude / 127) and its values as int8
//     multiples of it; rows round to nearest, gradients stochastically (kInt8Dithered), so that a
//     value the rounding would always send to zero still arrives on average.
// 16-bit conversions round to nearest even; values outside float16's range become +-inf there.
// A row with a value that is not finite arrives as NaN in 8 bits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ampcf::ps {

enum class ValueFormat : std::int32_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kBFloat16 = 2,
  kInt8 = 3,          // per row: float32 scale, then int8 values rounded to nearest
  kInt8Dithered = 4,  // the same, rounded stochastically
};

constexpr bool IsValueFormat(std::int32_t format) { return format >= 0 && format <= 4; }
// Whether each row carries a scale (the 8-bit formats) rather than each value standing alone.
constexpr bool IsRowScaled(ValueFormat format) {
  return format == ValueFormat::kInt8 || format == ValueFormat::kInt8Dithered;
}
constexpr std::size_t ValueBytes(ValueFormat format) {
  return format == ValueFormat::kFloat32 ? 4 : IsRowScaled(format) ? 1 : 2;
}
// Bytes of n_rows rows of `width` values: 4 + width per row in 8 bits (scale, values).
constexpr std::size_t RowsBytes(ValueFormat format, std::size_t n_rows, int width) {
  return n_rows * (static_cast<std::size_t>(width) * ValueBytes(format) + (IsRowScaled(format) ? sizeof(float) : 0));
}

// Writes n_rows rows of `width` values of `in` to `out` (RowsBytes bytes, any alignment).
void EncodeRows(const float* in, std::size_t n_rows, int width, ValueFormat format, void* out);
// Reads n_rows rows of `width` values of `format` from `in` (any alignment) into `out`.
void DecodeRows(const void* in, std::size_t n_rows, int width, ValueFormat format, float* out);
// The same for a format without row scales, on n values.
void EncodeValues(const float* in, std::size_t n, ValueFormat format, void* out);
void DecodeValues(const void* in, std::size_t n, ValueFormat format, float* out);

}  // namespace ampcf::ps
