// `ampcf train`: set-up on every rank, then a server rank's loop or a worker's schedule.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>

#include "cli/collective.h"
#include "cli/commands.h"
#include "cli/pretraining.h"
#include "cli/run_info.h"
#include "cli/user_list.h"
#include "core/mpi_env.h"
#include "core/parallel.h"
#include "core/peer_wait.h"
#include "core/stop_signal.h"
#include "data/dataset_share.h"
#include "io/checkpoint_file.h"
#include "models/registry.h"
#include "models/trained_rows.h"
#include "ps/server.h"
#include "ps/servers.h"
#include "worker/schedule.h"
#include "worker/trainer.h"

namespace ampcf {

namespace {

// Refuses a checkpoint that this run cannot continue: another dataset or split, model shape or seed.
void CheckResumable(const CheckpointInfo& info, const std::string& path, const Dataset& data, const TrainConfig& config,
                    const Model& model) {
  const CheckpointHeader& h = info.header;
  if (FindModel(h.model).name != model.name())
    throw UserError(Cat("--resume ", path, ": a checkpoint of --model ", h.model, "; this run has --model ", model.name()));
  if (h.dataset_fingerprint != data.Fingerprint())
    throw UserError(Cat("--resume ", path, ": a checkpoint of another dataset or split (", h.dataset,
                        ") than --data gives"));
  if (h.shape != model.shape())
    throw UserError(Cat("--resume ", path, ": a model of shape ", ShapeText(h.shape), "; this run's is ",
                        ShapeText(model.shape())));
  if (h.seed != config.seed)
    throw UserError(Cat("--resume ", path, ": written with --seed ", h.seed, "; this run has --seed ", config.seed));
}

// The model's server table with the fewest rows.
TableSpec SmallestServerTable(const Model& model) {
  const std::vector<TableSpec> tables = ServerTables(model);
  AMPCF_ASSERT(!tables.empty(), "model ", model.name(), " has no server table");
  return *std::min_element(tables.begin(), tables.end(),
                           [](const TableSpec& a, const TableSpec& b) { return a.rows < b.rows; });
}

// What every rank has once the set-up has succeeded.
struct TrainSetup {
  Dataset data;
  Layout layout;
  std::unique_ptr<Model> model;
  std::string description;  // the effective options (options/config.h: Describe)
  std::vector<std::int32_t> left_out;  // --exclude-users held by this rank
  std::string resume_path;  // "" for a fresh run
  CheckpointInfo resume_info;
  std::string data_read;     // how the data was read (DatasetSource::HowRead)
  double data_seconds = 0;   // from the start until this rank held its share
  bool one_node = true;      // every rank of the job runs on this rank's node
};

void LogStart(const TrainSetup& setup, const TrainConfig& config) {
  const Dataset& data = setup.data;
  const Layout& layout = setup.layout;
  spdlog::info("dataset {}: {} users, {} items, {} training pairs; {}; {} in {:.2f} s", data.name, data.n_users,
               data.n_items, data.num_train(), data.holdout, setup.data_read, setup.data_seconds);
  spdlog::info("layout: {} worker(s), {} server(s){}, {} compute thread(s) per rank; model {} {} |N|={} batch {} lr {} l2 {} softmax correction {}; {}",
               layout.n_workers, layout.colocated ? 0 : layout.n_servers, layout.colocated ? " (one rank)" : "",
               ComputeThreads(), setup.model->name(), ShapeText(setup.model->shape()), config.negatives, config.batch,
               config.lr, config.l2, config.softmax_correction,
               layout.colocated      ? std::string("rows read in place")
               : config.synchronous() ? std::string(config.deterministic ? "synchronous, deterministic" : "synchronous")
                                      : Cat("staleness ", config.staleness, ", cache ", config.cache_steps_used(), " steps, ",
                         config.steps_per_message_used(), " step(s) a message, ", config.pulls_in_flight_used(), " pulls in flight, ", config.wire_bits_used(),
                         "-bit wire"));
}

// The dataset (each worker its share of the users, data/dataset_share.h), the model, the layout,
// and the ranks' agreement on them. False after a user error.
bool SetUp(const DataConfig& data_config, const TrainConfig& config, TrainSetup& setup) {
  const auto start = std::chrono::steady_clock::now();
  DatasetSource source(data_config, MPI_COMM_WORLD);
  // While the data loads, ranks that will hold no users (servers) at most parse their byte range
  // and wait: the cores of a node go to the ranks there that will hold users. (Input that one rank
  // reads alone leaves the other workers waiting too; they are counted all the same.) The count
  // is collective, so every rank takes it, whatever its --threads.
  const int user_ranks_here = RanksOnThisNode(WorldRank() < WorkersOf(WorldSize(), config.servers));
  SetComputeThreads(config.threads > 0 ? config.threads : DefaultComputeThreads(user_ranks_here));
  if (!CollectiveSetup([&] {
        Validate(config);
        CheckPretrainedCount(config);
        source.Open(WorkersOf(WorldSize(), config.servers));
      }))
    return false;
  const Dataset& description = source.Description();
  if (!CollectiveSetup([&] {
        for (const std::string& path : PretrainedPaths(config))
          if (LoadModel(path, 0, 0).dataset_fingerprint != description.Fingerprint())
            throw UserError(Cat("--pretrained ", path, ": trained on another dataset or split than --data gives"));
        setup.model = MakeModel(config, description.n_items);
        const TableSpec& smallest = SmallestServerTable(*setup.model);
        setup.layout = MakeLayout(WorldSize(), WorldRank(), config.servers, smallest.rows, smallest.name);
        if (WorldRank() == 0) CheckWritableFolder(config.out);
      }))
    return false;
  const Layout& layout = setup.layout;
  if (!CollectiveSetup([&] {
        setup.data = source.TakeShare(layout.is_worker() ? layout.worker_index() : -1, layout.n_workers);
      }))
    return false;
  setup.data_read = source.HowRead();
  setup.data_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!config.exclude_users.empty() && !ListedUsers("--exclude-users", config.exclude_users, setup.data, setup.left_out))
    return false;
  const int ranks_here = RanksOnThisNode();
  setup.one_node = ranks_here == WorldSize();
  SetComputeThreads(config.threads > 0 ? config.threads : DefaultComputeThreads(ranks_here));
  setup.description = Describe(data_config, config);
  const std::string disagreement = CheckRanksAgree(MakeRunInfo(setup.data, setup.description));
  if (!disagreement.empty()) {
    if (WorldRank() == 0) std::fprintf(stderr, "ampcf: error: %s\n", disagreement.c_str());
    return false;
  }
  if (WorldRank() == 0 && !config.quiet) LogStart(setup, config);
  return true;
}

// --resume: rank 0 picks the file (auto: the newest that verifies), every rank checks it.
// Rank 0, before anything is written: removes the temporary files a killed run left in --out
// (a rank killed mid-write cannot remove its own), naming each.
void RemoveLeftTemporaries(const std::string& out) {
  if (out.empty() || WorldRank() != 0) return;
  std::error_code error;
  for (const std::filesystem::path& dir : {std::filesystem::path(out), std::filesystem::path(out) / "checkpoints"}) {
    for (auto it = std::filesystem::directory_iterator(dir, error); !error && it != std::filesystem::directory_iterator();
         it.increment(error)) {
      if (it->path().extension() != ".tmp" || !it->is_regular_file()) continue;
      std::filesystem::remove(it->path(), error);
      spdlog::warn("removed {}, left half-written by an earlier run", it->path().string());
    }
    error.clear();
  }
}

bool FindResumePoint(const TrainConfig& config, TrainSetup& setup) {
  RemoveLeftTemporaries(config.out);
  if (config.resume.empty()) return true;
  std::string& path = setup.resume_path;
  if (!CollectiveSetup([&] {
        if (WorldRank() != 0) return;
        if (config.resume == "auto") {
          std::vector<std::string> warnings;
          path = FindLatestCheckpoint((std::filesystem::path(config.out) / "checkpoints").string(), warnings);
          for (const std::string& warning : warnings) spdlog::warn("{}", warning);
          if (path.empty() && !config.quiet)
            spdlog::info("--resume auto: no checkpoint in {}/checkpoints, starting afresh", config.out);
        } else {
          path = config.resume;
          VerifyCheckpoint(path);
        }
      }))
    return false;
  BroadcastString(path, 0, MPI_COMM_WORLD);
  if (path.empty()) return true;
  if (!CollectiveSetup([&] {
        setup.resume_info = ReadCheckpointInfo(path);
        CheckResumable(setup.resume_info, path, setup.data, config, *setup.model);
      }))
    return false;
  // Allowed (a user may mean to lower the learning rate), but never silent.
  if (WorldRank() == 0)
    for (const std::string& change : ChangedTrainingOptions(setup.resume_info.header.config, setup.description))
      spdlog::warn("--resume {}: {}", path, change);
  return true;
}

// String ids as row numbers of a source table: a name's id is its row there (-1: absent).
class SourceRows {
 public:
  explicit SourceRows(const std::vector<std::string>& names) {
    for (std::size_t r = 0; r < names.size(); ++r) {
      row_.emplace(names[r], static_cast<std::int64_t>(r));
      positions_.push_back(static_cast<std::int64_t>(r));
    }
  }
  std::vector<std::int64_t> Of(const std::vector<std::string>& names) const {
    std::vector<std::int64_t> ids;
    for (const std::string& name : names) {
      const auto at = row_.find(name);
      ids.push_back(at == row_.end() ? -1 : at->second);
    }
    return ids;
  }
  const std::vector<std::int64_t>& positions() const { return positions_; }  // 0, 1, ...

 private:
  std::unordered_map<std::string, std::int64_t> row_;
  std::vector<std::int64_t> positions_;
};

// --init-from, in a run that does not resume: this rank's server rows (`shard`) and users' rows
// (`users`; null when the model makes them from the users' items) start from the trained
// model's, and rank 0 says how many did. Collective over every rank; false after a user error.
bool StartFromTrained(const TrainSetup& setup, const TrainConfig& config, ps::ServerShard* shard, RowTable* users) {
  if (config.init_from.empty() || !setup.resume_path.empty()) return true;
  const Dataset& data = setup.data;
  const WarmStart warm{static_cast<float>(config.init_shrink), static_cast<float>(config.init_perturb)};
  std::int64_t found[2] = {0, 0};  // item rows, user rows
  if (!CollectiveSetup([&] {
        const std::unique_ptr<RowSource> source = OpenTrainedRows(config.init_from, *setup.model);
        const bool by_name = !data.item_names.empty();
        std::vector<std::string> item_names = source->ItemNames();
        if (by_name != !item_names.empty())
          throw UserError(Cat("--init-from ", config.init_from, ": ", by_name ? "--data has" : "the model has",
                              " string ids and ", by_name ? "the model has not" : "--data has not",
                              " (a checkpoint keeps none: start from the run's model.h5)"));
        if (shard != nullptr) {
          if (by_name) {
            const SourceRows rows(item_names);
            found[0] = shard->StartFrom(*source, rows.Of(data.item_names), rows.positions(), warm);
          } else {
            found[0] = shard->StartFrom(*source, data.item_ids, source->item_ids(), warm);
          }
        }
        if (users == nullptr) return;
        std::vector<std::int64_t> ids(static_cast<std::size_t>(users->size()));
        std::vector<std::string> names(by_name ? ids.size() : 0);
        for (std::int64_t local = 0; local < users->size(); ++local) {
          const auto u = static_cast<std::int32_t>(users->key(local));
          ids[local] = data.UserId(u);
          if (by_name) names[local] = data.UserName(u);
        }
        if (by_name) {
          const SourceRows rows(source->UserNames());
          found[1] = users->StartFrom(*source, rows.Of(names), rows.positions(), warm);
        } else {
          found[1] = users->StartFrom(*source, ids, source->user_ids(), warm);
        }
      }))
    return false;
  peer::Allreduce(MPI_IN_PLACE, found, 2, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD, "the other ranks");
  if (WorldRank() == 0 && !config.quiet)
    spdlog::info("--init-from {}: {} of {} items and {} start from its rows (x {} + {} x a fresh row), the others "
                 "from fresh ones",
                 config.init_from, found[0], setup.data.n_items,
                 UserTable(*setup.model).from_items ? std::string("no users (their rows are their items)")
                                                    : Cat(found[1], " of ", setup.data.n_users, " users"),
                 config.init_shrink, config.init_perturb);
  return true;
}

ps::ServerShard MakeShard(const TrainSetup& setup, const TrainConfig& config) {
  return ps::ServerShard(ServerTables(*setup.model), setup.layout.server_index(), setup.layout.n_servers,
                         config.average_decay);
}

// A server rank: its shard (resumed), then the server loop until every worker is done.
int RunServerRank(const TrainSetup& setup, const TrainConfig& config, MPI_Comm checkpoint_comm) {
  peer::SetRole(Cat("server ", setup.layout.server_index()));
  ps::ServerShard shard = MakeShard(setup, config);
  if (!setup.resume_path.empty() && !CollectiveSetup([&] { shard.ReadCheckpoint(setup.resume_path); })) return 2;
  if (!StartFromTrained(setup, config, &shard, nullptr)) return 2;
  ps::ServerOptions options;
  options.synchronous = config.synchronous();
  options.start_clock = setup.resume_path.empty() ? 0 : setup.resume_info.state.clock;
  options.checkpoint_dir = (std::filesystem::path(config.out) / "checkpoints").string();
  options.checkpoint_comm = checkpoint_comm;
  options.peers_across_network = !setup.one_node;
  ps::RunServer(shard, setup.layout, options);
  return 0;
}

// The one line a stopped run prints, naming the checkpoint to continue from; its exit code.
int ReportStop(const TrainSummary& summary, const TrainConfig& config) {
  if (WorldRank() == 0 && summary.during_refit)
    std::fprintf(stderr, "ampcf: stopped by signal %d during --refit; %s\n", summary.stop_signal,
                 summary.checkpoint.empty()
                     ? "without --out there is no checkpoint to refit from"
                     : Cat("the search ended in ", summary.checkpoint, "; refit again with --resume auto --refit").c_str());
  else if (WorldRank() == 0)
    std::fprintf(stderr, "ampcf: %s; wrote %s; continue with --resume auto\n",
                 summary.stop_signal != 0 ? Cat("stopped by signal ", summary.stop_signal).c_str()
                                          : Cat("stopped after ", config.stop_after_steps, " steps").c_str(),
                 summary.checkpoint.c_str());
  return summary.stop_signal != 0 ? 128 + summary.stop_signal : 0;
}

// Rank 0: the result line.
void ReportResult(const TrainSummary& summary) {
  std::printf(
      "best epoch %d: val HR@10 %.4f NDCG@10 %.4f | test HR@10 %.4f NDCG@10 %.4f | full-ranking HR@10 %.4f "
      "NDCG@10 %.4f | %.0f pairs/s\n",
      summary.best_epoch, summary.best_val_hr, summary.best_val_ndcg, summary.test.sampled.hr(),
      summary.test.sampled.ndcg_mean(), summary.test.full.hr(), summary.test.full.ndcg_mean(), summary.pairs_per_s);
  std::fflush(stdout);
}

// A worker rank (rank 0 alone holds the servers' rows too in a one-rank run).
int RunWorkerRank(const TrainSetup& setup, const DataConfig& data_config, const TrainConfig& config, MPI_Comm workers,
                  MPI_Comm checkpoint_comm) {
  peer::SetRole(Cat("worker ", setup.layout.worker_index()));
  std::optional<ps::ServerShard> colocated;
  if (setup.layout.colocated) colocated.emplace(MakeShard(setup, config));
  std::vector<int> widths;
  for (const TableSpec& table : ServerTables(*setup.model)) widths.push_back(table.width);
  const std::unique_ptr<ps::Servers> servers =
      ps::ConnectServers(setup.layout, widths, colocated ? &*colocated : nullptr, config.wire_bits_used());
  TrainerContext context;
  context.data = &setup.data;
  context.data_config = &data_config;
  context.config = &config;
  context.layout = setup.layout;
  context.workers = workers;
  context.checkpoint_comm = checkpoint_comm;
  context.servers = servers.get();
  context.model = setup.model.get();
  context.left_out = setup.left_out;
  Trainer trainer(context);
  if (!setup.resume_path.empty() && !CollectiveSetup([&] {
        if (colocated) colocated->ReadCheckpoint(setup.resume_path);
        trainer.Resume(setup.resume_path, setup.resume_info);
      }))
    return 2;
  ModelLifecycle& lifecycle = trainer.model();
  if (!StartFromTrained(setup, config, colocated ? &*colocated : nullptr,
                        lifecycle.user_rows_trained() ? &lifecycle.user_table() : nullptr))
    return 2;
  const TrainSummary summary = RunSchedule(trainer);
  if (summary.interrupted) {
    servers->Done();
    return ReportStop(summary, config);
  }
  if (!config.out.empty()) {
    const std::string path = (std::filesystem::path(config.out) / "model.h5").string();
    trainer.model().WriteModelFile(path);
    if (WorldRank() == 0 && !config.quiet) spdlog::info("wrote {}", path);
  }
  servers->Done();
  if (WorldRank() == 0) ReportResult(summary);
  return 0;
}

// One training run, its model's pretraining done.
int TrainOnce(const DataConfig& data_config, const TrainConfig& config) {
  peer::SetTimeout(config.peer_timeout);
  TrainSetup setup;
  if (!SetUp(data_config, config, setup) || !FindResumePoint(config, setup)) return 2;
  if (!config.out.empty()) InstallStopHandlers();
  MPI_Comm workers = MPI_COMM_NULL, checkpoint_comm = MPI_COMM_NULL;
  AMPCF_CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, setup.layout.is_worker() ? 0 : MPI_UNDEFINED, WorldRank(), &workers));
  AMPCF_CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &checkpoint_comm));
  const int status = setup.layout.is_worker() ? RunWorkerRank(setup, data_config, config, workers, checkpoint_comm)
                                              : RunServerRank(setup, config, checkpoint_comm);
  if (workers != MPI_COMM_NULL) AMPCF_CHECK_MPI(MPI_Comm_free(&workers));
  AMPCF_CHECK_MPI(MPI_Comm_free(&checkpoint_comm));
  return status;
}

}  // namespace

int RunTrain(const DataConfig& data_config, const TrainConfig& given_config, const std::set<std::string>& given) {
  const ModelInfo* model = nullptr;
  if (!CollectiveSetup([&] { model = &FindModel(given_config.model); })) return 2;
  TrainConfig config = given_config;
  config.model = model->name;  // files record the model by name, the default one too
  for (const OptionSpec& spec : model->options)  // and every option of the model, set or not
    if (config.model_options.Find(spec.name) == nullptr) config.model_options.Set(spec.name, spec.default_text);
  // --init-from brings every row, those the pretraining would give too.
  if (!config.init_from.empty() && config.pretrained.empty()) config.pretrained = kNoPretraining;
  if (model->pretrain.empty() || !config.pretrained.empty()) return TrainOnce(data_config, config);
  // The model's own options are checked before its pretraining runs take minutes.
  if (!CollectiveSetup([&] {
        Validate(config);
        TrainConfig random_rows = config;
        random_rows.pretrained = kNoPretraining;
        MakeModel(random_rows, 1);
      }))
    return 2;
  TrainConfig pretrained = config;
  Pretraining pretraining(data_config, config, given);
  if (const int status = pretraining.Run(pretrained); status != 0) return status;
  return TrainOnce(data_config, pretrained);
}

}  // namespace ampcf
