// The parameter-server message protocol: every message between workers and servers is defined
// here. Messages are MPI point-to-point byte buffers on MPI_COMM_WORLD; the MPI tag is the kind.
//
//   buffer = Header | keys of server table 0 (int32 x n_keys[0]) | ... | keys of table T-1
//            | values (float): table 0's rows in key order, then table 1's, ...
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
// possibly with no keys, with `clock` = steps it has completed. A pull carries in `clock` the
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
// arrival as one Adam step on that batch's mean gradient: an epoch makes as many Adam steps on
// the server rows as one rank would, at the same --lr. Dense tables (AMP-CF's attention maps,
// TableSpec::dense) may then be cached by the workers: with --dense-every k a worker pulls them
// at clocks that are multiples of k and pushes the mean of its last k steps' gradients for them
// at the step that completes such a clock (other pushes carry none of their rows), so A takes
// one Adam step per worker per k clocks, on a copy at most k - 1 of the worker's steps old
// (plus the staleness bound).
// MPI keeps messages from one sender to one receiver in order, so a worker reads its own writes.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

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
};

// The most server tables a model may have (the header has room for their key counts).
constexpr int kMaxTables = 4;

struct Header {
  std::int32_t worker = 0;             // sender's worker index
  std::int32_t flag = 0;               // kAverageIn: 1 = start the average afresh; kCounters: 1 = mark
  std::int64_t clock = 0;
  std::int32_t n_keys[kMaxTables] = {};  // keys of each server table
};
static_assert(sizeof(Header) == 2 * 4 + 8 + 4 * kMaxTables, "the header is part of the wire format");

// Per server table: where its keys are and how many.
struct KeyLists {
  const std::int32_t* keys[kMaxTables] = {};
  int n[kMaxTables] = {};
};

// A view of a received or assembled message.
struct MessageView {
  Header header;
  KeyLists keys;
  const float* values = nullptr;
  std::size_t n_values = 0;
};

inline std::size_t KeyCount(const Header& header) {
  std::size_t n = 0;
  for (int t = 0; t < kMaxTables; ++t) n += static_cast<std::size_t>(header.n_keys[t]);
  return n;
}

inline std::size_t MessageBytes(const Header& header, std::size_t n_values) {
  return sizeof(Header) + sizeof(std::int32_t) * KeyCount(header) + sizeof(float) * n_values;
}

// Writes the header and the keys (header.n_keys[t] of keys.keys[t]) into `buffer` (resized) and
// returns where the values go.
inline float* BuildMessage(const Header& header, const KeyLists& keys, std::size_t n_values, std::vector<char>& buffer) {
  buffer.resize(MessageBytes(header, n_values));
  char* at = buffer.data();
  std::memcpy(at, &header, sizeof(Header));
  at += sizeof(Header);
  for (int t = 0; t < kMaxTables; ++t) {
    if (header.n_keys[t] > 0) std::memcpy(at, keys.keys[t], sizeof(std::int32_t) * header.n_keys[t]);
    at += sizeof(std::int32_t) * header.n_keys[t];
  }
  return reinterpret_cast<float*>(at);
}

// A message without keys (control messages, pull replies): the header, then room for n_values.
inline float* BuildKeylessMessage(Header header, std::size_t n_values, std::vector<char>& buffer) {
  for (std::int32_t& n : header.n_keys) n = 0;
  buffer.resize(MessageBytes(header, n_values));
  std::memcpy(buffer.data(), &header, sizeof(Header));
  return reinterpret_cast<float*>(buffer.data() + sizeof(Header));
}

// Parses a buffer; false when it is too short for what its header announces.
inline bool ParseMessage(const char* data, std::size_t bytes, MessageView& view) {
  if (bytes < sizeof(Header)) return false;
  std::memcpy(&view.header, data, sizeof(Header));
  for (std::int32_t n : view.header.n_keys)
    if (n < 0) return false;
  const std::size_t key_bytes = sizeof(std::int32_t) * KeyCount(view.header);
  if (bytes < sizeof(Header) + key_bytes) return false;
  const auto* keys = reinterpret_cast<const std::int32_t*>(data + sizeof(Header));
  for (int t = 0; t < kMaxTables; ++t) {
    view.keys.keys[t] = keys;
    view.keys.n[t] = view.header.n_keys[t];
    keys += view.header.n_keys[t];
  }
  view.values = reinterpret_cast<const float*>(data + sizeof(Header) + key_bytes);
  view.n_values = (bytes - sizeof(Header) - key_bytes) / sizeof(float);
  return true;
}

}  // namespace ampcf::ps
