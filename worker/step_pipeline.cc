#include "worker/step_pipeline.h"

#include <algorithm>

#include "core/counters.h"
#include "core/error.h"
#include "core/parallel.h"
#include "tables/table_spec.h"

namespace ampcf {

namespace {

constexpr int kUsersPerTask = 64;  // rows copied or updated by one task

// Copies the per-user rows of the batch's users, in slot order, into `rows`.
void GatherUserRows(const Batch& batch, const RowTable& table, AlignedVector<float>& rows) {
  const int width = table.width();
  rows.resize(batch.users.size() * width);
  ParallelForBlocks(static_cast<int>(batch.users.size()), kUsersPerTask, [&](TaskRange users) {
    for (int u = users.begin; u < users.end; ++u)
      std::copy_n(table.row(batch.users[u]), width, &rows[static_cast<std::size_t>(u) * width]);
  });
}

}  // namespace

StepPipeline::StepPipeline(Model& model, ps::Servers& servers, BatchBuilder& builder, RowTable& user_table,
                           bool user_rows_trained, const PipelineOptions& options)
    : model_(model),
      servers_(servers),
      builder_(builder),
      user_table_(user_table),
      user_rows_trained_(user_rows_trained),
      options_(options),
      ring_(static_cast<std::size_t>(options.pulls_in_flight) + 1) {
  AMPCF_ASSERT(options.pulls_in_flight >= 1 && options.cache_steps >= 1 && options.steps_per_message >= 1 &&
                   options.steps_per_message <= options.cache_steps,
               "pipeline options");
  // A pull waits for clock p - s; sent (D - 1) S steps before step p, it must not wait for this
  // worker's own later pushes.
  AMPCF_ASSERT(options.staleness < 0 || (options.pulls_in_flight - 1) * options.steps_per_message <= options.staleness,
               options.pulls_in_flight, " pulls in flight of ", options.steps_per_message, " steps with staleness ",
               options.staleness);
  for (const TableSpec& table : ServerTables(model)) {
    widths_.push_back(table.width);
    caches_.push_back(options.cache_steps > 1 ? std::make_unique<RowCache>(table.width, table.rows, options.cache_steps)
                                              : nullptr);
  }
  const std::size_t n = widths_.size();
  step_rows_.resize(n);
  rows_.resize(n);
  gradients_.resize(n);
  push_keys_.resize(n);
  push_means_.resize(n);
  push_repeats_.resize(n);
}

std::int64_t StepPipeline::RequiredClock(std::int64_t step_clock) const {
  return options_.staleness < 0 ? 0 : std::max<std::int64_t>(0, step_clock - options_.staleness);
}

void StepPipeline::StartEpoch(int epoch, std::int64_t first_step, std::int64_t steps, std::int64_t clock) {
  AMPCF_ASSERT(plan_next_ == next_step_, "an epoch starts with pulls in flight");
  for (const auto& cache : caches_)
    if (cache) cache->Clear();  // the servers may have restored or averaged their rows since
  epoch_ = epoch;
  first_step_ = next_step_ = plan_next_ = first_step;
  first_clock_ = clock_ = clock;
  steps_ = steps;
  for (int run = 0; run < options_.pulls_in_flight && plan_next_ < steps_; ++run) {
    Planned& p = PlanNext();
    if (p.pulling) {
      const ps::PullRequest pull{&p.pulled, RequiredClock(p.clock)};
      servers_.Send(nullptr, &pull);
    }
  }
}

const std::vector<std::int32_t>& StepPipeline::RunKeys(const Planned& p, std::size_t table) {
  if (p.keys.size() == 1) return p.keys[0][table];
  run_keys_.clear();
  for (const ps::TableKeys& step_keys : p.keys) run_keys_.insert(run_keys_.end(), step_keys[table].begin(), step_keys[table].end());
  std::sort(run_keys_.begin(), run_keys_.end());
  run_keys_.erase(std::unique(run_keys_.begin(), run_keys_.end()), run_keys_.end());
  return run_keys_;
}

StepPipeline::Planned& StepPipeline::PlanNext() {
  Planned& p = slot(plan_next_);
  p.first_step = plan_next_;
  p.end_step = plan_next_ = std::min<std::int64_t>(p.first_step + options_.steps_per_message, steps_);
  p.clock = first_clock_ + (p.first_step - first_step_);
  const std::size_t n = widths_.size(), n_steps = static_cast<std::size_t>(p.end_step - p.first_step);
  CountSeconds compute(Counters().compute_seconds);
  const std::int64_t n_pairs = builder_.n_pairs();
  p.batches.resize(n_steps);
  p.keys.resize(n_steps);
  p.user_rows.resize(n_steps);
  for (std::size_t i = 0; i < n_steps; ++i) {
    const std::int64_t step = p.first_step + static_cast<std::int64_t>(i);
    builder_.Build(epoch_, step, step * n_pairs / steps_, (step + 1) * n_pairs / steps_, p.batches[i]);
    // Rows made from the users' items never change: gathered once, here, for RowsRead and the step.
    if (!user_rows_trained_) GatherUserRows(p.batches[i], user_table_, p.user_rows[i]);
    model_.RowsRead(p.batches[i], user_rows_trained_ ? nullptr : p.user_rows[i].data(), p.keys[i]);
  }
  p.pulled.resize(n);
  p.pulled_rows.resize(n);
  p.pulling = false;
  for (std::size_t t = 0; t < n; ++t) {
    if (cached(t)) {
      caches_[t]->Plan(RunKeys(p, t), p.first_step, p.end_step - 1, p.pulled[t]);
    } else {
      p.pulled[t] = p.keys[0][t];  // a run is one step without a cache
    }
    p.pulled_rows[t].resize(p.pulled[t].size() * widths_[t]);
    p.pulling = p.pulling || !p.pulled[t].empty();
  }
  return p;
}

void StepPipeline::TakeReply(Planned& p) {
  if (!p.pulling) return;
  std::vector<float*> out;
  for (AlignedVector<float>& rows : p.pulled_rows) out.push_back(rows.data());
  servers_.FinishPull(out);
  p.pulling = false;
}

StepResult StepPipeline::Compute() {
  AMPCF_ASSERT(next_step_ < plan_next_, "no step planned");
  Planned& p = slot(next_step_);
  const std::size_t i = static_cast<std::size_t>(next_step_ - p.first_step);
  TakeReply(p);
  CountSeconds compute(Counters().compute_seconds);
  for (std::size_t t = 0; t < widths_.size(); ++t) {
    if (!cached(t)) {
      rows_[t] = p.pulled_rows[t].data();
      continue;
    }
    if (i == 0) caches_[t]->Store(p.pulled[t], p.pulled_rows[t].data());
    step_rows_[t].resize(p.keys[i][t].size() * widths_[t]);
    caches_[t]->Gather(p.keys[i][t], step_rows_[t].data());
    rows_[t] = step_rows_[t].data();
  }
  const Batch& batch = p.batches[i];
  StepResult result;
  result.positives = batch.size();
  user_gradients_ = nullptr;
  if (result.positives > 0) {
    const float* user_rows = p.user_rows[i].data();
    if (user_rows_trained_) {
      GatherUserRows(batch, user_table_, user_rows_);
      user_rows = user_rows_.data();
    }
    CountSeconds kernel(Counters().kernel_seconds);
    result.stats = model_.ForwardBackward(batch, user_rows, rows_, user_gradients_, gradients_);
  } else {
    gradients_.assign(widths_.size(), nullptr);
  }
  return result;
}

void StepPipeline::Finish(bool boundary) {
  Planned& p = slot(next_step_);
  const std::size_t i = static_cast<std::size_t>(next_step_ - p.first_step);
  const Batch& batch = p.batches[i];
  const bool any = batch.size() > 0;
  {
    CountSeconds compute(Counters().compute_seconds);
    if (any && user_rows_trained_) {
      const int width = user_table_.width(), n_users = static_cast<int>(batch.users.size());
      // A batch's users are unique: each task updates rows of its own (core/parallel.h).
      ParallelForBlocks(n_users, kUsersPerTask, [&](TaskRange users) {
        for (int u = users.begin; u < users.end; ++u)
          user_table_.Update(batch.users[u], user_gradients_ + static_cast<std::size_t>(u) * width);
      });
    }
    for (std::size_t t = 0; t < widths_.size(); ++t) {
      if (cached(t)) {
        if (any) caches_[t]->Accumulate(p.keys[i][t], gradients_[t]);
      } else {
        push_keys_[t] = p.keys[i][t];
      }
    }
  }
  const std::int64_t step = next_step_++;
  ++clock_;
  const bool run_ends = next_step_ == p.end_step;
  if (!run_ends && !boundary) return;  // the run's gradients are kept back for its message
  Planned* ahead = run_ends && plan_next_ < steps_ ? &PlanNext() : nullptr;  // before TakeDue: it marks rows pulled again
  ps::PushRequest push{&push_keys_, std::vector<const float*>(widths_.size()), clock_, {}};
  if (options_.cache_steps > 1) push.repeats.assign(widths_.size(), nullptr);  // counts of the cached tables' rows
  {
    CountSeconds compute(Counters().compute_seconds);
    for (std::size_t t = 0; t < widths_.size(); ++t) {
      if (cached(t)) {
        caches_[t]->TakeDue(step, boundary, push_keys_[t], push_means_[t], push_repeats_[t]);
        push.gradients[t] = push_means_[t].data();
        push.repeats[t] = push_repeats_[t].data();
      } else {
        push.gradients[t] = gradients_[t];
      }
    }
  }
  if (ahead != nullptr && ahead->pulling) {
    const ps::PullRequest pull{&ahead->pulled, RequiredClock(ahead->clock)};
    servers_.Send(&push, &pull);
  } else {
    servers_.Send(&push, nullptr);
  }
}

void StepPipeline::Drain() {
  while (next_step_ < plan_next_) {
    Planned& p = slot(next_step_);
    TakeReply(p);
    next_step_ = p.end_step;
  }
}

}  // namespace ampcf
