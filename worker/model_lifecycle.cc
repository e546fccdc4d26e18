#include "worker/model_lifecycle.h"

#include <algorithm>
#include <numeric>

#include "core/file_ring.h"
#include "core/gather.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "eval/candidate_items.h"
#include "io/model_file.h"
#include "models/item_subset_scorer.h"

namespace ampcf {

namespace {

// `data` must outlive the table when the model makes user rows from their items (a Reset
// makes them again).
RowTable MakeUserTable(const Model& model, const Dataset& data, const std::vector<std::int32_t>& users,
                       bool averaging) {
  const TableSpec& spec = UserTable(model);
  const RowSelection rows{users.empty() ? 0 : users.front(), 1, static_cast<std::int64_t>(users.size())};
  AMPCF_ASSERT(users.empty() || users.back() - users.front() + 1 == static_cast<std::int32_t>(users.size()),
               "a worker's users must be one contiguous range");
  RowInitialiser init = spec.init;
  if (spec.from_items)
    init = [&data, from_items = spec.from_items](std::int64_t user, float* row) {
      from_items(user, data.TrainItems(static_cast<std::int32_t>(user)), row);
    };
  return RowTable(spec.name, spec.width, rows, init, spec.adam, averaging);
}

}  // namespace

ModelLifecycle::ModelLifecycle(const TrainerContext& context, const std::vector<std::int32_t>& users)
    : context_(context),
      first_user_(users.empty() ? 0 : users.front()),
      user_table_(MakeUserTable(*context.model, *context.data, users, context.config->average_decay > 0)),
      user_rows_trained_(!UserTable(*context.model).from_items) {
  AMPCF_CHECK_MPI(MPI_Comm_rank(context.workers, &worker_rank_));
  for (std::int32_t u : users)
    if (!std::binary_search(context.left_out.begin(), context.left_out.end(), u)) evaluated_users_.push_back(u);
}

bool ModelLifecycle::KeepIfBest(bool improved) {
  // Worker 0 decides; the others wait at the Bcast, so no push of theirs reaches a server
  // before it has kept its rows of this epoch.
  int keep = improved ? 1 : 0;
  if (lead() && keep) context_.servers->Snapshot();
  peer::Bcast(&keep, 1, MPI_INT, 0, context_.workers, kOtherWorkers);
  if (keep) user_table_.SaveBest();
  return keep != 0;
}

void ModelLifecycle::RestoreBest() {
  if (lead()) context_.servers->Restore();
  peer::Barrier(context_.workers, kOtherWorkers);
  user_table_.RestoreBest();
}

void ModelLifecycle::ResetRows() {
  if (lead()) context_.servers->Reset();
  peer::Barrier(context_.workers, kOtherWorkers);
  user_table_.Reset();
}

void ModelLifecycle::SwapInAverage(bool restart, std::int64_t clock) {
  const double decay = context_.config->average_decay;
  if (decay <= 0) return;
  context_.servers->Wait();
  if (lead()) context_.servers->SwapInAverage(clock, restart);  // servers wait for every push of the epoch
  user_table_.SwapInAverage(decay, restart);
  peer::Barrier(context_.workers, kOtherWorkers);  // nobody pulls before every server has swapped
}

void ModelLifecycle::SwapOutAverage() {
  if (context_.config->average_decay <= 0) return;
  if (lead()) context_.servers->SwapOutAverage();
  user_table_.SwapOutAverage();
  peer::Barrier(context_.workers, kOtherWorkers);  // nobody pushes before every server has swapped back
}

EvalTotals ModelLifecycle::Evaluate(HeldOut which, bool full, std::int64_t clock) {
  // Full ranking needs every item row; the sampled protocol only its users' candidates.
  const std::unique_ptr<Scorer> scorer = full ? PullScorer(clock) : PullCandidateScorer(which, clock);
  const UserSample sample(context_.config->eval_users, context_.data->n_users, context_.data_config->eval_seed);
  EvalTotals totals = EvaluateUsers(*scorer, *context_.data, evaluated_users_,
                                    [&](std::int32_t u) { return user_row(u); }, which, full, sample);
  double sums[6] = {totals.sampled.hits, totals.sampled.ndcg, double(totals.sampled.users),
                    totals.full.hits,    totals.full.ndcg,    double(totals.full.users)};
  peer::Allreduce(MPI_IN_PLACE, sums, 6, MPI_DOUBLE, MPI_SUM, context_.workers, kOtherWorkers);
  totals.sampled = RankingSums{sums[0], sums[1], static_cast<std::int64_t>(sums[2])};
  totals.full = RankingSums{sums[3], sums[4], static_cast<std::int64_t>(sums[5])};
  return totals;
}

std::unique_ptr<Scorer> ModelLifecycle::PullScorer(std::int64_t clock) {
  return context_.model->MakeScorer(PullTables(nullptr, clock, whole_tables_), context_.data->n_items);
}

std::unique_ptr<Scorer> ModelLifecycle::PullCandidateScorer(HeldOut which, std::int64_t clock) {
  std::vector<std::int32_t>& items = candidate_items_[static_cast<int>(which)];
  if (items.empty()) items = CandidateItems(*context_.data, evaluated_users_, which);
  const std::vector<const float*> tables = PullTables(&items, clock, candidate_tables_);
  return std::make_unique<ItemSubsetScorer>(context_.model->MakeScorer(tables, static_cast<std::int32_t>(items.size())),
                                            items, context_.data->n_items);
}

std::vector<const float*> ModelLifecycle::PullTables(const std::vector<std::int32_t>* items, std::int64_t clock,
                                                     std::vector<AlignedVector<float>>& into) {
  std::vector<std::vector<std::int32_t>> keys;
  std::vector<float*> out;
  std::vector<const float*> tables;
  const std::vector<TableSpec> specs = ServerTables(*context_.model);
  into.resize(specs.size());
  std::size_t t = 0;
  for (const TableSpec& spec : specs) {
    if (items != nullptr && spec.name == "items") {
      keys.push_back(*items);
    } else {
      keys.emplace_back(spec.rows);
      std::iota(keys.back().begin(), keys.back().end(), 0);
    }
    into[t].resize(keys.back().size() * spec.width);
    out.push_back(into[t].data());
    tables.push_back(into[t].data());
    ++t;
  }
  context_.servers->Pull(keys, clock, out);
  return tables;
}

void ModelLifecycle::WriteModelFile(const std::string& path) {
  const Dataset& data = *context_.data;
  const TrainConfig& config = *context_.config;
  std::vector<std::string> names = GatherLines(context_.workers, data.user_names);  // string ids only
  const std::string temporary = path + ".tmp";
  FileRing ring(context_.workers);  // the servers have no part in model.h5
  ring.WriteInTurn(
      temporary,
      [&] {
        if (lead()) {
          ModelData model;
          model.dataset = data.name;
          model.dataset_fingerprint = data.Fingerprint();
          model.config = Describe(*context_.data_config, config);
          model.item_ids = data.item_ids;
          model.item_names = data.item_names;
          model.item_train_counts = data.item_train_counts;
          model.user_names = std::move(names);
          model.trained_on_validation = config.refit;
          std::vector<const float*> tables;
          for (const AlignedVector<float>& table : whole_tables_) tables.push_back(table.data());
          context_.model->ExportTables(tables, model);
          CreateModelFile(temporary, model, data.n_users);
        }
        WriteModelUsers(temporary, first_user_, data.user_ids, user_table_.values().data());
      },
      [&] { FinishModelFile(temporary, path); });
}

}  // namespace ampcf
