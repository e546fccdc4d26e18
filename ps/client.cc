#include "ps/client.h"

#include <algorithm>

#include "ps/protocol.h"
#include "src/mpi_env.h"

namespace ampcf::ps {

Client::Client(const Layout& layout, const ModelShape& shape, ServerShard* local)
    : layout_(layout), shape_(shape), local_(local) {
  const int S = layout.n_servers;
  item_keys_of_.resize(S);
  item_positions_of_.resize(S);
  att_keys_of_.resize(S);
  att_positions_of_.resize(S);
  request_buffers_.resize(S);
  reply_buffers_.resize(S);
  push_buffers_.resize(S);
}

void Client::Route(const std::vector<std::int32_t>& keys, std::vector<std::vector<std::int32_t>>& keys_of,
                   std::vector<std::vector<std::int32_t>>& positions_of) const {
  const int S = layout_.n_servers;
  for (int s = 0; s < S; ++s) {
    keys_of[s].clear();
    positions_of[s].clear();
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const int s = ItemOwner(keys[i], S);
    keys_of[s].push_back(keys[i]);
    positions_of[s].push_back(static_cast<std::int32_t>(i));
  }
}

void Client::Pull(const std::vector<std::int32_t>& item_keys, const std::vector<std::int32_t>& att_keys,
                  std::int64_t clock, float* item_out, float* att_out) {
  const int width = shape_.item_width(), da = shape_.att_dim;
  if (local_ != nullptr) {
    // One rank: read straight from the shard, items then attention as on the wire.
    local_->ReadRows(item_keys.data(), static_cast<int>(item_keys.size()), nullptr, 0, item_out);
    local_->ReadRows(nullptr, 0, att_keys.data(), static_cast<int>(att_keys.size()), att_out);
    return;
  }
  const int S = layout_.n_servers;
  Route(item_keys, item_keys_of_, item_positions_of_);
  Route(att_keys, att_keys_of_, att_positions_of_);
  std::vector<MPI_Request> requests(S, MPI_REQUEST_NULL);
  for (int s = 0; s < S; ++s) {
    Header header;
    header.worker = layout_.worker_index();
    header.n_item_keys = static_cast<std::int32_t>(item_keys_of_[s].size());
    header.n_att_keys = static_cast<std::int32_t>(att_keys_of_[s].size());
    header.clock = clock;
    if (header.n_item_keys == 0 && header.n_att_keys == 0) continue;
    BuildMessage(header, item_keys_of_[s].data(), att_keys_of_[s].data(), 0, request_buffers_[s]);
    AMPCF_CHECK_MPI(MPI_Isend(request_buffers_[s].data(), static_cast<int>(request_buffers_[s].size()), MPI_CHAR,
                              layout_.server_rank(s), kPull, MPI_COMM_WORLD, &requests[s]));
  }
  for (int s = 0; s < S; ++s) {
    if (item_keys_of_[s].empty() && att_keys_of_[s].empty()) continue;
    const std::size_t n_values = item_keys_of_[s].size() * width + att_keys_of_[s].size() * da;
    std::vector<char>& reply = reply_buffers_[s];
    reply.resize(sizeof(Header) + n_values * sizeof(float));
    MPI_Status status;
    AMPCF_CHECK_MPI(MPI_Recv(reply.data(), static_cast<int>(reply.size()), MPI_CHAR, layout_.server_rank(s),
                             kPullReply, MPI_COMM_WORLD, &status));
    int bytes = 0;
    AMPCF_CHECK_MPI(MPI_Get_count(&status, MPI_CHAR, &bytes));
    AMPCF_ASSERT(static_cast<std::size_t>(bytes) == reply.size(), "pull reply of ", bytes, " bytes from server ", s);
    const float* values = reinterpret_cast<const float*>(reply.data() + sizeof(Header));
    for (std::size_t i = 0; i < item_keys_of_[s].size(); ++i, values += width)
      std::copy_n(values, width, item_out + static_cast<std::size_t>(item_positions_of_[s][i]) * width);
    for (std::size_t i = 0; i < att_keys_of_[s].size(); ++i, values += da)
      std::copy_n(values, da, att_out + static_cast<std::size_t>(att_positions_of_[s][i]) * da);
  }
  AMPCF_CHECK_MPI(MPI_Waitall(S, requests.data(), MPI_STATUSES_IGNORE));
}

void Client::Push(const std::vector<std::int32_t>& item_keys, const float* item_gradients,
                  const std::vector<std::int32_t>& att_keys, const float* att_gradients, std::int64_t clock) {
  const int width = shape_.item_width(), da = shape_.att_dim;
  if (local_ != nullptr) {
    local_->ApplyGradients(item_keys.data(), static_cast<int>(item_keys.size()), nullptr, 0, item_gradients);
    local_->ApplyGradients(nullptr, 0, att_keys.data(), static_cast<int>(att_keys.size()), att_gradients);
    return;
  }
  Wait();  // the previous push's buffers are reused
  const int S = layout_.n_servers;
  Route(item_keys, item_keys_of_, item_positions_of_);
  Route(att_keys, att_keys_of_, att_positions_of_);
  push_requests_.assign(S, MPI_REQUEST_NULL);
  for (int s = 0; s < S; ++s) {
    Header header;
    header.worker = layout_.worker_index();
    header.n_item_keys = static_cast<std::int32_t>(item_keys_of_[s].size());
    header.n_att_keys = static_cast<std::int32_t>(att_keys_of_[s].size());
    header.clock = clock;
    const std::size_t n_values = item_keys_of_[s].size() * width + att_keys_of_[s].size() * da;
    float* values = BuildMessage(header, item_keys_of_[s].data(), att_keys_of_[s].data(), n_values, push_buffers_[s]);
    for (std::int32_t position : item_positions_of_[s]) {
      std::copy_n(item_gradients + static_cast<std::size_t>(position) * width, width, values);
      values += width;
    }
    for (std::int32_t position : att_positions_of_[s]) {
      std::copy_n(att_gradients + static_cast<std::size_t>(position) * da, da, values);
      values += da;
    }
    AMPCF_CHECK_MPI(MPI_Isend(push_buffers_[s].data(), static_cast<int>(push_buffers_[s].size()), MPI_CHAR,
                              layout_.server_rank(s), kPush, MPI_COMM_WORLD, &push_requests_[s]));
  }
}

void Client::Wait() {
  if (push_requests_.empty()) return;
  AMPCF_CHECK_MPI(MPI_Waitall(static_cast<int>(push_requests_.size()), push_requests_.data(), MPI_STATUSES_IGNORE));
  push_requests_.clear();
}

void Client::SendControl(int kind, std::int64_t clock, std::int32_t flag) {
  Wait();
  std::vector<char> buffer;
  Header header;
  header.worker = layout_.worker_index();
  header.clock = clock;
  header.flag = flag;
  BuildKeylessMessage(header, 0, buffer);
  for (int s = 0; s < layout_.n_servers; ++s)
    AMPCF_CHECK_MPI(MPI_Send(buffer.data(), static_cast<int>(buffer.size()), MPI_CHAR, layout_.server_rank(s), kind,
                             MPI_COMM_WORLD));
}

void Client::SendControlAndWaitAck(int kind, std::int64_t clock, std::int32_t flag) {
  SendControl(kind, clock, flag);
  for (int s = 0; s < layout_.n_servers; ++s)
    AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, layout_.server_rank(s), kAck, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
}

void Client::Snapshot() {
  if (local_ != nullptr) return local_->SaveBest();
  SendControlAndWaitAck(kSnapshot);
}

void Client::Restore() {
  if (local_ != nullptr) return local_->RestoreBest();
  SendControlAndWaitAck(kRestore);
}

void Client::Reset() {
  if (local_ != nullptr) return local_->Reset();
  SendControlAndWaitAck(kReset);
}

void Client::SwapInAverage(std::int64_t clock, bool restart) {
  if (local_ != nullptr) return local_->SwapInAverage(restart);
  SendControlAndWaitAck(kAverageIn, clock, restart ? 1 : 0);
}

void Client::SwapOutAverage() {
  if (local_ != nullptr) return local_->SwapOutAverage();
  SendControlAndWaitAck(kAverageOut);
}

void Client::RequestCheckpoint(std::int64_t clock) {
  if (local_ != nullptr) return;
  SendControl(kCheckpoint, clock);
}

void Client::Done() {
  if (local_ != nullptr) return;
  SendControl(kDone);
}

}  // namespace ampcf::ps
