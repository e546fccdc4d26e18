// The parameter-server message protocol: every message between workers and servers is defined
// here. Messages are MPI point-to-point byte buffers on MPI_COMM_WORLD; the MPI tag is the kind.
//
//   buffer = Header | keys of server table 0 (int32 x n_keys[0]) | ... | keys of table T-1
//            | values (Header::format, ps/wire_format.h): table 0's rows in key order, then
//              table 1's, ...
// A pull's format names the format its reply must use.
//
// The servers hold the model's kOnServers tables (models/model.h), numbered 0 .. T-1 in the
// model's order, T <= kMaxTables; row k of every table lives on server k % S (partition/layout.h).
// For AMP-CF, table 0 is the items (width d+1) and table 1 the attention maps (width da).
// Contract: keys are unique and sorted ascending within each table, and a message to server s
// holds only keys that s owns.
//
// kind        sender -> receiver   values                       reply
// kPull       worker -> server     none                         kPullReply: the rows, in key order
// kPush       worker -> server     gradients, in key order      none
// kPushPull   worker -> server     a kPush then a kPull, as     kPullReply (to the pull part)
//                                  one buffer: uint64 bytes of
//                                  the push | push | pull
// kSnapshot   worker 0 -> server   none                         kAck (server copied its rows as "best")
// kRestore    worker 0 -> server   none                         kAck (server restored the "best" rows)
// kReset      worker 0 -> server   none                         kAck (server re-initialised its rows
//                                                                and optimiser state: --refit)
// kCheckpoint worker 0 -> server   none; clock = the checkpoint's  none: once every worker's pushes up to
//                                                               `clock` are applied, the server writes its
//                                                               rows into the checkpoint in turn (a
//                                                               token passed rank to rank on a separate
//                                                               communicator; io/checkpoint_file.h)
// kAverageIn  worker 0 -> server   none; clock = the epoch's    kAck, once every worker's pushes up to
//                                  end; flag 1 = start the      `clock` are applied: the server folded
//                                  average afresh (epoch 1)     its rows into their running average
//                                                               and swapped it in (pulls and kSnapshot
//                                                               see the average; --average-decay)
// kAverageOut worker 0 -> server   none                         kAck (the rows are swapped back in)
// kCounters   worker 0 -> server   none; flag 1 = mark the      flag 0: kCountersReply, the server's
//                                  epoch's start                RankCounters (core/counters.h) since the
//                                                               mark, as doubles after the header
// kDone       worker -> server     none                         none (server exits after all workers)
//
// Clocks (bounded staleness, ps/consistency): every worker pushes to every server once per step,
// possibly with no keys, with `clock` = steps it has completed. A step's push carries the pull of
// a later step when there is one (kPushPull): one message per server per step. In the
// asynchronous modes a push may repeat the worker's last clock: a flush of gradients a worker
// kept back (worker/row_cache.h), applied without advancing the clock; and a worker may push once
// per run of S steps (--steps-per-message), its clock advancing by S. A pull carries in `clock` the
// number of steps every worker must have pushed before it is answered: step t of a worker with
// staleness s pulls with clock t - s, so no worker runs more than s steps ahead of the slowest.
// Synchronous mode (staleness 0, also --deterministic): a server waits for the pushes of every
// worker for a clock, sums them row by row in worker order and applies one Adam step per row,
// exactly as one rank computing the whole batch would; it answers a pull only once the clocks it
// waits for are applied. Fixed order makes the result bitwise reproducible: each worker's
// gradients are its positives' loss gradients divided by the global batch (models/model.h:
// Batch::gradient_scale), so a clock's pushes add up to one batch.
// With staleness > 0 or -1 every worker takes whole batches of its own (--batch each: W workers
// train W batches per clock, and an epoch takes 1/W of the clocks) and each push is applied on
// arrival as one Adam step per row on the gradient it carries. Workers may then cache rows
// (--cache-steps k, worker/row_cache.h): a row pulled for step p serves steps p .. p+k-1, and its
// gradients are summed on the worker and pushed when the row is pulled again or k steps after
// the first of them, so a row read by every step takes one Adam step per worker per k steps,
// on a copy at most k - 1 of the worker's steps old (plus the staleness bound and the pulls in
// flight).
// MPI keeps messages from one sender to one receiver in order, so a worker reads its own writes.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "ps/wire_format.h"

namespace ampcf::ps {

enum Kind : int {
  kPull = 1,
  kPullReply = 2,
  kPush = 3,
  kSnapshot = 4,
  kRestore = 5,
  kAck = 6,
  kDone = 7,
  kReset = 8,
  kCheckpoint = 9,
  kAverageIn = 10,
  kAverageOut = 11,
  kCounters = 12,
  kCountersReply = 13,
  kPushPull = 14,
};

// The most server tables a model may have (the header has room for their key counts).
constexpr int kMaxTables = 4;

struct Header {
  std::int32_t worker = 0;             // sender's worker index
  std::int32_t flag = 0;               // kAverageIn: 1 = start the average afresh; kCounters: 1 = mark
  std::int64_t clock = 0;
  std::int32_t n_keys[kMaxTables] = {};  // keys of each server table
  std::int32_t format = 0;             // ValueFormat of the values (a pull: of its reply)
  std::int32_t repeated = 0;           // a push: 1 = an int32 per key follows the keys (Repeats)
};
static_assert(sizeof(Header) == 2 * 4 + 8 + 4 * kMaxTables + 2 * 4, "the header is part of the wire format");

// Per server table: where its keys are and how many.
struct KeyLists {
  const std::int32_t* keys[kMaxTables] = {};
  int n[kMaxTables] = {};
};

// A push whose header says `repeated` carries, between its keys and its values, one int32 per key
// (in the keys' order): the steps its gradient row is the mean of, which the server applies as
// that many Adam steps (tables/adam.h: Adam::UpdateRowRepeated; worker/row_cache.h).

// A view of a received or assembled message. `values` are float32: a message received in a
// 16- or 8-bit format is decoded first (ps/server_logic.h), and until then `values` is null and
// `encoded` points at its values.
struct MessageView {
  Header header;
  KeyLists keys;
  const float* values = nullptr;
  const void* encoded = nullptr;
  std::size_t value_bytes = 0;
  std::size_t n_values = 0;  // 0 for a row-scaled format until decoded
  const std::int32_t* repeats = nullptr;  // per key, when header.repeated; else every key stands for one step
};

inline ValueFormat FormatOf(const Header& header) { return static_cast<ValueFormat>(header.format); }

inline std::size_t KeyCount(const Header& header) {
  std::size_t n = 0;
  for (int t = 0; t < kMaxTables; ++t) n += static_cast<std::size_t>(header.n_keys[t]);
  return n;
}

// The keys, and the repeat counts of a `repeated` push.
inline std::size_t KeyBytes(const Header& header) {
  return sizeof(std::int32_t) * KeyCount(header) * (header.repeated ? 2 : 1);
}

// `value_bytes`: the values as encoded (ps/wire_format.h: RowsBytes).
inline std::size_t MessageBytes(const Header& header, std::size_t value_bytes) {
  return sizeof(Header) + KeyBytes(header) + value_bytes;
}

// Values laid out table by table: `rows[t]` rows of table t, of width widths[t].
inline std::size_t ValueCountOfRows(const int* rows, const std::vector<int>& widths) {
  std::size_t n = 0;
  for (std::size_t t = 0; t < widths.size(); ++t) n += static_cast<std::size_t>(rows[t]) * widths[t];
  return n;
}
// Their encoded bytes in `format`.
inline std::size_t ValueBytesOfRows(ValueFormat format, const int* rows, const std::vector<int>& widths) {
  std::size_t bytes = 0;
  for (std::size_t t = 0; t < widths.size(); ++t) bytes += RowsBytes(format, static_cast<std::size_t>(rows[t]), widths[t]);
  return bytes;
}
// Encodes such values into `format` (each table's rows with their own width), or decodes them.
inline void EncodeTables(const float* in, const int* rows, const std::vector<int>& widths, ValueFormat format, char* out) {
  for (std::size_t t = 0; t < widths.size(); ++t) {
    EncodeRows(in, static_cast<std::size_t>(rows[t]), widths[t], format, out);
    in += static_cast<std::size_t>(rows[t]) * widths[t];
    out += RowsBytes(format, static_cast<std::size_t>(rows[t]), widths[t]);
  }
}
inline void DecodeTables(const char* in, const int* rows, const std::vector<int>& widths, ValueFormat format, float* out) {
  for (std::size_t t = 0; t < widths.size(); ++t) {
    DecodeRows(in, static_cast<std::size_t>(rows[t]), widths[t], format, out);
    in += RowsBytes(format, static_cast<std::size_t>(rows[t]), widths[t]);
    out += static_cast<std::size_t>(rows[t]) * widths[t];
  }
}

// Writes the header and the keys (header.n_keys[t] of keys.keys[t]) into `buffer` from byte
// `offset` on (resized to fit, with `value_bytes` for the values) and returns where the values go
// (in header.format). A `repeated` header needs `repeats` (one per key, tables in order) and
// leaves them after the keys.
inline char* BuildMessageAt(const Header& header, const KeyLists& keys, std::size_t value_bytes, std::vector<char>& buffer,
                            std::size_t offset, const std::int32_t* repeats = nullptr) {
  buffer.resize(offset + MessageBytes(header, value_bytes));
  char* at = buffer.data() + offset;
  std::memcpy(at, &header, sizeof(Header));
  at += sizeof(Header);
  for (int t = 0; t < kMaxTables; ++t) {
    if (header.n_keys[t] > 0) std::memcpy(at, keys.keys[t], sizeof(std::int32_t) * header.n_keys[t]);
    at += sizeof(std::int32_t) * header.n_keys[t];
  }
  if (header.repeated && repeats != nullptr) {
    std::memcpy(at, repeats, sizeof(std::int32_t) * KeyCount(header));
    at += sizeof(std::int32_t) * KeyCount(header);
  }
  return at;
}

// A float32 message (header.format is taken as float32): the header and keys; returns where
// the values go.
inline float* BuildMessage(Header header, const KeyLists& keys, std::size_t n_values, std::vector<char>& buffer) {
  header.format = static_cast<std::int32_t>(ValueFormat::kFloat32);
  header.repeated = 0;
  return reinterpret_cast<float*>(BuildMessageAt(header, keys, n_values * sizeof(float), buffer, 0));
}

// A message without keys (control messages, pull replies): the header, then room for
// `value_bytes` of values in header.format; returns where they go.
inline char* BuildKeylessMessageBytes(Header header, std::size_t value_bytes, std::vector<char>& buffer) {
  for (std::int32_t& n : header.n_keys) n = 0;
  header.repeated = 0;
  buffer.resize(MessageBytes(header, value_bytes));
  std::memcpy(buffer.data(), &header, sizeof(Header));
  return buffer.data() + sizeof(Header);
}
inline float* BuildKeylessMessage(Header header, std::size_t n_values, std::vector<char>& buffer) {
  header.format = static_cast<std::int32_t>(ValueFormat::kFloat32);
  return reinterpret_cast<float*>(BuildKeylessMessageBytes(header, n_values * sizeof(float), buffer));
}

// Parses a buffer; false when it is too short for what its header announces or names an
// unknown format.
inline bool ParseMessage(const char* data, std::size_t bytes, MessageView& view) {
  if (bytes < sizeof(Header)) return false;
  std::memcpy(&view.header, data, sizeof(Header));
  if (!IsValueFormat(view.header.format) || (view.header.repeated != 0 && view.header.repeated != 1)) return false;
  for (std::int32_t n : view.header.n_keys)
    if (n < 0) return false;
  const std::size_t key_bytes = KeyBytes(view.header);
  if (bytes < sizeof(Header) + key_bytes) return false;
  const auto* keys = reinterpret_cast<const std::int32_t*>(data + sizeof(Header));
  for (int t = 0; t < kMaxTables; ++t) {
    view.keys.keys[t] = keys;
    view.keys.n[t] = view.header.n_keys[t];
    keys += view.header.n_keys[t];
  }
  view.repeats = view.header.repeated ? keys : nullptr;
  view.encoded = data + sizeof(Header) + key_bytes;
  view.value_bytes = bytes - sizeof(Header) - key_bytes;
  const bool float32 = FormatOf(view.header) == ValueFormat::kFloat32;
  view.values = float32 ? reinterpret_cast<const float*>(view.encoded) : nullptr;
  // Row-scaled values are counted by whoever knows the tables' widths (ps/server_logic.h).
  view.n_values = IsRowScaled(FormatOf(view.header)) ? 0 : view.value_bytes / ValueBytes(FormatOf(view.header));
  return true;
}

// kPushPull: the push's byte count, the push, then the pull.
inline void SplitPushPull(const char* data, std::size_t bytes, std::size_t& push_bytes) {
  push_bytes = 0;
  if (bytes >= sizeof(std::uint64_t)) {
    std::uint64_t n = 0;
    std::memcpy(&n, data, sizeof(n));
    push_bytes = n <= bytes - sizeof(std::uint64_t) ? static_cast<std::size_t>(n) : bytes;
  }
}

}  // namespace ampcf::ps
