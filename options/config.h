// The single source of truth for ampcf's shared options: the CLI, `--help`, the config file and
// validation all come from the tables below (as in LightGBM's config.h). To add an option, add
// one line to a table; it then has a flag, a default, a check and a help text everywhere. A
// model's own options live in its folder, in tables of the same format (options/model_options.h).
//
// Columns: C++ type, member name, flags (CLI11 syntax), default, check (a CLI11 validator),
// help text. Every long flag is also a key of the TOML-style `--config FILE`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "options/model_options.h"
#include "options/option_table.h"

namespace ampcf {

// Options of every subcommand that reads a dataset.
#define AMPCF_DATA_OPTIONS(X)                                                                    \
  X(std::string, data, "--data", "synthetic", AnyValue(),                                        \
    "dataset: a ratings file, a folder holding one, or 'synthetic' (planted personas, no download)") \
  X(std::string, format, "--format", "auto",                                                     \
    CLI::IsMember({"auto", "movielens-csv", "movielens-dat", "movielens-100k", "ncf", "lastfm", "yahoo", "log", "amazon-csv", \
                   "amazon-json", "delimited", "recbole", \
                   "synthetic"}),                                                                \
    "input format; auto guesses from the file name (ratings.csv, ratings.dat, u.data, *.train.rating (also Pinterest), " \
    "user_artists.dat, ydata-ymusic-*, ratings_*.csv (Amazon), *.json (Amazon reviews), *.inter (RecBole atomic files)); log: 'user item' lines in time order") \
  X(std::string, delimiter, "--delimiter", ",", AnyValue(), "field separator of --format delimited (\\t for a tab)") \
  X(bool, header, "--header", false, AnyValue(), "--format delimited: the first line is a header")   \
  X(std::string, columns, "--columns", "0,1,-1", AnyValue(),                                     \
    "--format delimited: zero-based user,item,timestamp columns (-1: no timestamp)")           \
  X(std::string, ncf_timestamps, "--ncf-timestamps", "", AnyValue(),                             \
    "--format ncf: MovieLens ratings.dat(.gz) giving timestamps (user index = UserID-1) for the validation hold-out") \
  X(std::string, ncf_item_map, "--ncf-item-map", "", AnyValue(),                                 \
    "--format ncf: 'index<TAB>original id' file; outputs and --ncf-timestamps then use original item ids") \
  X(std::string, untimed_validation, "--untimed-validation", "random", CLI::IsMember({"random", "none"}), \
    "--format ncf: users whose training timestamps are unknown get a seeded random validation item, or none (they train on all their items)") \
  X(int, synthetic_users, "--synthetic-users", 2000, AtLeast(1), "users of --data synthetic") \
  X(int, synthetic_items, "--synthetic-items", 1000, AtLeast(1), "items of --data synthetic") \
  X(int, min_items, "--min-items", 2, AtLeast(2), "drop users with fewer training+held-out items") \
  X(int, min_item_ratings, "--min-item-ratings", 1, AtLeast(1),                                 \
    "first drop items with fewer ratings (2 gives the paper's ML100K item set)")                  \
  X(int, eval_negatives, "--eval-negatives", 99, AtLeast(1),                           \
    "sampled protocol: unseen items drawn uniformly per user to rank the held-out item against") \
  X(std::uint64_t, eval_seed, "--eval-seed", 20170403, AnyValue(),                                \
    "seed of the evaluation negatives and random hold-outs (fixed, so every run ranks the same candidates)")

// Options of `train` that every model has; a model's recipe may change their defaults
// (models/model_info.h).
#define AMPCF_TRAIN_OPTIONS(X)                                                                   \
  X(std::string, model, "--model", "", AnyValue(),                                               \
    "the model to train (empty: the default, AMP-CF; an unknown name lists them); it brings its own options and recipe: `ampcf train --model NAME --help`") \
  X(int, dim, "--dim,-d", 64, AtLeast(1), "embedding dimension d")                      \
  X(std::string, pretrained, "--pretrained", "", AnyValue(),                                     \
    "model.h5 files of this dataset whose rows start this one, one per model the --model's recipe pretrains, comma-separated (empty: a model that pretrains trains them first, in --out/pretrain; none: random rows)") \
  X(int, negatives, "--negatives", 4, AtLeast(1), "|N|: negatives per positive, drawn by --negative-power") \
  X(double, negative_power, "--negative-power", 0.5, AtLeast(0),                               \
    "negatives are drawn from training item counts to this power (the paper: 0.5; 0: uniform)") \
  X(bool, exclude_seen, "--exclude-seen", false, AnyValue(),                                   \
    "redraw negatives that are among the user's training items")                               \
  X(std::string, softmax_correction, "--softmax-correction", "logq", CLI::IsMember({"none", "logq"}), \
    "logq: subtract log q(item) of the negative sampler inside the sampled softmax")              \
  X(double, l2, "--l2", 3e-5, AtLeast(0), "L2 penalty on the user, item and bias rows of each batch") \
  X(double, l2_example, "--l2-example", 3e-3, AtLeast(0),                                        \
    "frequency-proportional L2: (l2/2)||row||^2 in the loss of each positive for every user and item row it reads") \
  X(double, l2_user_factor, "--l2-user-factor", 1.0, AtLeast(0),                                \
    "the users' persona rows get --l2-example times this factor") \
  X(double, lr, "--lr", 1e-3, Positive(), "Adam learning rate")                        \
  X(double, average_decay, "--average-decay", 0.0, Within(0, 0.999),                             \
    "validate, keep and test the running average of the parameters over epochs: average = decay * average + (1 - decay) * rows after each epoch (0: the rows themselves)") \
  X(int, batch, "--batch", 256, AtLeast(1), "positive pairs per minibatch over all workers") \
  X(double, init_std, "--init-std", 0.1, Positive(), "standard deviation of the initial user and item vectors") \
  X(int, epochs, "--epochs", 300, AtLeast(1), "maximum epochs")                          \
  X(int, patience, "--patience", 30, AtLeast(0), "stop after this many epochs without a better validation score (0: never)") \
  X(bool, refit, "--refit", false, AnyValue(),                                                  \
    "after early stopping, train again from the start on training + validation items for the best number of epochs, and test that model") \
  X(std::string, early_stop, "--early-stop", "ndcg", CLI::IsMember({"hr", "ndcg"}), "validation metric (@10) that picks the best epoch") \
  X(int, servers, "--servers", 1, AtLeast(0),                                      \
    "parameter-server ranks (the last ranks); the others are workers. One rank runs both roles") \
  X(int, staleness, "--staleness", -1, AtLeast(-1),                                  \
    "bounded staleness s: a worker runs at most s clocks ahead of the slowest (-1: fully asynchronous, each worker on batches of its own; 0: synchronous, the workers split every batch)") \
  X(int, cache_steps, "--cache-steps,--dense-every", 4, AtLeast(1),                             \
    "with --staleness other than 0 and server ranks: a worker keeps each server row it pulls for k steps, sums its gradients and pushes their mean and count when it pulls the row again or the copy expires; the server applies them as that many Adam steps (1: every row every step)") \
  X(int, pulls_in_flight, "--pulls-in-flight", 2, AtLeast(1),                                     \
    "with --staleness other than 0: D pulls are in flight: the pull of a message's steps leaves D messages before they run (at most staleness / --steps-per-message + 1)") \
  X(int, steps_per_message, "--steps-per-message", 1, AtLeast(1),                                 \
    "with --staleness other than 0 and server ranks: a worker sends one message per server every S steps, with the pushes of S steps and the pull of the next S steps' rows (at most --cache-steps, so that a copy serves every step it was pulled for)") \
  X(int, wire_bits, "--wire-bits", 8, CLI::IsMember({8, 16, 32}),                                 \
    "with --staleness other than 0: server rows and gradients travel as int8 with a float32 scale per row, gradients rounded stochastically (8), rows as float16 and gradients as bfloat16 (16), or both as float32 (32; synchronous mode always uses 32)") \
  X(int, threads, "--threads", 0, AtLeast(0),                                                    \
    "compute threads per rank (0: the cores this rank may run on, shared among the ranks of its node, and while the data load among those that will hold users; mpirun binds a rank to one core unless told --bind-to none). Results do not depend on it") \
  X(double, peer_timeout, "--peer-timeout", 300.0, AtLeast(0),                                   \
    "seconds a rank waits for another (a pull reply, a collective, its checkpoint turn) before it ends the job naming the ranks that stopped answering (0: wait forever)") \
  X(bool, deterministic, "--deterministic", false, AnyValue(),                                   \
    "a seed and rank layout give bitwise-identical runs: synchronous (--staleness 0) with float32 on the wire, whatever --staleness, --cache-steps and --wire-bits say") \
  X(std::uint64_t, seed, "--seed", 1, AnyValue(), "seed of initialisation, shuffling and negative sampling") \
  X(std::string, out, "--out", "", AnyValue(), "output folder: metrics.jsonl, model.h5, checkpoints/") \
  X(std::string, resume, "--resume", "", AnyValue(),                                             \
    "continue from a checkpoint file, or 'auto': the newest good one in --out/checkpoints (none there: start afresh)") \
  X(std::string, init_from, "--init-from", "", AnyValue(),                                       \
    "start a new run from a trained model of the same --model and shape, on --data that may add users and items: a checkpoint (its rows and Adam's state) or a model.h5 (its rows); rows are matched by original user and item id, new ones start fresh. A run that resumes ignores it") \
  X(double, init_shrink, "--init-shrink", 0.65, Within(0, 1),                                    \
    "with --init-from: a known user's or item's row starts at this multiple of its trained row plus --init-perturb times a fresh row (shrink and perturb, which warm starts generalise by; 1 with --init-perturb 0 keeps the trained rows). Chosen on validation NDCG@10, AMP-2 on ml-latest-small in time slices") \
  X(double, init_perturb, "--init-perturb", 0.1, AtLeast(0),                                     \
    "with --init-from: the multiple of a fresh row added to a known row (see --init-shrink)") \
  X(std::int64_t, checkpoint_every, "--checkpoint-every", 0, AtLeast(0),                        \
    "also checkpoint every N steps (with --out, a checkpoint is written by --checkpoint-minutes, at the end of the search and on SIGTERM/SIGINT)") \
  X(double, checkpoint_minutes, "--checkpoint-minutes", 10.0, AtLeast(0),                      \
    "with --out, checkpoint at the first step boundary this many minutes after the last checkpoint (0: never by time)") \
  X(int, checkpoint_epochs, "--checkpoint-epochs", 0, AtLeast(0),                                \
    "also checkpoint after every N-th epoch (0: never by epoch count)") \
  X(int, keep_checkpoints, "--keep-checkpoints", 3, AtLeast(1), "checkpoints kept in --out/checkpoints (the newest)") \
  X(std::int64_t, stop_after_steps, "--stop-after-steps", 0, AtLeast(0),                        \
    "checkpoint and stop once N steps are done in all, as on SIGTERM (for tests and planned pre-emption)") \
  X(bool, quiet, "--quiet", false, AnyValue(), "print only the final summary")                 \
  X(std::int64_t, eval_users, "--eval-users", 0, AtLeast(0), "full ranking and the evaluation report (top-K lists, TDD, eval.h5 rows) cover a seeded sample of about N users, the same for every rank layout (0: all); the sampled protocol always covers every user") \
  X(std::string, exclude_users, "--exclude-users", "", AnyValue(),                               \
    "file of user ids (one per line) held out of training entirely: no positives, not evaluated; their rows stay as initialised, for eval --fold-in")

// Options of `eval`, `explain` and `recommend --fold-in` (worker/fold_in.h).
#define AMPCF_FOLD_IN_OPTIONS(X)                                                                 \
  X(bool, fold_in, "--fold-in", false, AnyValue(),                                              \
    "first fit the listed users' rows from their training items, every other parameter frozen (users the model never trained, e.g. train --exclude-users)") \
  X(int, fold_in_steps, "--fold-in-steps", 100, AtLeast(1), "--fold-in, --new-users: Adam steps per user, each over a batch of their items (all of them, below --batch)") \
  X(double, fold_in_lr, "--fold-in-lr", 0.03, Positive(), "--fold-in, --new-users: Adam's learning rate on the users' rows") \
  X(std::uint64_t, fold_in_seed, "--fold-in-seed", 1, AnyValue(), "--fold-in, --new-users: seed of the negatives drawn")

// Users the dataset lacks, folded in from a file (data/user_items_file.h) with the fold-in
// options above (`explain` and `recommend`).
#define AMPCF_NEW_USER_OPTIONS(X)                                                                \
  X(std::string, new_users, "--new-users", "", AnyValue(),                                     \
    "fold in users absent from the dataset from a file of 'user item' lines (the dataset's item ids) and work on them instead of its users; lines with unknown items are skipped and reported") \
  X(bool, replace_users, "--replace-users", false, AnyValue(),                                  \
    "--new-users: a user the dataset holds is fitted anew from the file's items (without it, refused)")

// Options of `eval`.
#define AMPCF_EVAL_OPTIONS(X)                                                                    \
  X(std::string, model, "--model", "", AnyValue(), "model.h5 or a checkpoint written by train --out") \
  X(std::string, out, "--out", "", AnyValue(), "folder for eval.h5 and taste.h5 (default: the model's folder)") \
  X(std::string, taste, "--taste", "", AnyValue(),                                                \
    "taste space (taste.h5) to measure TDD in; default: computed from the training data and saved") \
  X(int, top_k, "--top-k", 30, AtLeast(1), "length of each user's recommendation list in eval.h5 (TDD uses 30)") \
  X(std::int64_t, eval_users, "--eval-users", 0, AtLeast(0), "full ranking and the evaluation report (top-K lists, TDD, eval.h5 rows) cover a seeded sample of about N users, the same for every rank layout (0: all); the sampled protocol always covers every user") \
  X(bool, collapse_personas, "--collapse-personas", false, AnyValue(),                          \
    "evaluate the model with each user's personas replaced by their mean (the attention then no longer matters: plain matrix factorisation); the report of the model as trained includes these figures as collapsed_*") \
  X(std::string, rerank, "--rerank", "none", CLI::IsMember({"none", "direc"}),                     \
    "direc: evaluate the model's lists re-ranked for diversity (priority medoids of a cover tree over the items' vectors, eval/priority_medoids.h)") \
  X(int, rerank_pool, "--rerank-pool", 50, AtLeast(1),                                             \
    "--rerank direc: the best-scored unseen items re-ranked per user (larger: more diversity, less accuracy)") \
  X(std::string, users, "--users", "all", AnyValue(), "all, or a file of the user ids to evaluate, one per line") \
  AMPCF_FOLD_IN_OPTIONS(X)

// Options of `explain`.
#define AMPCF_EXPLAIN_OPTIONS(X)                                                                 \
  X(std::string, model, "--model", "", AnyValue(), "model.h5 or a checkpoint written by train --out") \
  X(std::string, user, "--user", "", AnyValue(), "the user to explain (the dataset's own id; with --new-users, the file's)") \
  X(int, top, "--top", 10, AtLeast(1), "recommendations, and items per persona, to show")      \
  X(std::string, out, "--out", "", AnyValue(), "also write the explanation to this HDF5 file") \
  AMPCF_FOLD_IN_OPTIONS(X)                                                                       \
  AMPCF_NEW_USER_OPTIONS(X)

// Building an item index (eval/item_index.h): `recommend --ann` and `export-index`.
#define AMPCF_INDEX_BUILD_OPTIONS(X)                                                             \
  X(int, ann_links, "--ann-links", 16, AtLeast(2), "building an index: links per item (hnswlib's M; memory and recall grow with it)") \
  X(int, ann_build_breadth, "--ann-build-breadth", 200, AtLeast(1), "building an index: its search breadth (hnswlib's ef_construction)")

// Options of `recommend` (eval/recommend.h, eval/recommendation_file.h).
#define AMPCF_RECOMMEND_OPTIONS(X)                                                               \
  X(std::string, model, "--model", "", AnyValue(), "model.h5 or a checkpoint written by train --out") \
  X(std::string, users, "--users", "all", AnyValue(),                                          \
    "all, or a file of user ids (the dataset's own), one per line")                            \
  X(int, top, "--top", 10, AtLeast(1), "recommendations per user")                           \
  X(std::string, out, "--out", "", AnyValue(), "FILE.h5 (HDF5), or any other name (CSV: user,rank,item,score,persona,weight)") \
  X(bool, ann, "--ann", false, AnyValue(),                                                       \
    "retrieve through an inner-product index (hnswlib) once per persona, then score the retrieved items exactly; for models whose score allows it (amp-cf, bpr-mf)") \
  X(std::string, ann_index, "--ann-index", "", AnyValue(), "with --ann: an index file export-index wrote for this model (empty: build one in memory)") \
  X(int, ann_candidates, "--ann-candidates", 50, AtLeast(1), "with --ann: items retrieved per persona, besides as many as the user has seen") \
  X(int, ann_breadth, "--ann-breadth", 100, AtLeast(1), "with --ann: the search breadth (hnswlib's ef; at least the items retrieved): larger finds more of the exact list, slower") \
  AMPCF_INDEX_BUILD_OPTIONS(X)                                                                   \
  AMPCF_FOLD_IN_OPTIONS(X)                                                                       \
  AMPCF_NEW_USER_OPTIONS(X)

// Options of `export-index` (eval/item_index.h).
#define AMPCF_EXPORT_INDEX_OPTIONS(X)                                                            \
  X(std::string, model, "--model", "", AnyValue(), "model.h5 or a checkpoint written by train --out") \
  X(std::string, out, "--out", "", AnyValue(), "the index file (hnswlib's format: hnswlib.Index(space='ip', dim=d+1).load_index(FILE); label j is row j of the model's /items/ids)") \
  AMPCF_INDEX_BUILD_OPTIONS(X)

// Options of `similar-items` (eval/similar_items.h).
#define AMPCF_SIMILAR_ITEMS_OPTIONS(X)                                                           \
  X(std::string, model, "--model", "", AnyValue(), "model.h5 or a checkpoint written by train --out") \
  X(std::string, item, "--item", "", AnyValue(), "the item (the dataset's own id)")           \
  X(int, top, "--top", 10, AtLeast(1), "similar items to list")

// Options of `aisp` (the paper's AISP-p baseline, eval/aisp.h).
#define AMPCF_AISP_OPTIONS(X)                                                                    \
  X(int, personas, "--personas,-p", 2, AtLeast(1), "p: K-Means means per user (personas)")    \
  X(std::uint64_t, seed, "--seed", 1, AnyValue(), "seed of the per-user K-Means")              \
  X(std::string, out, "--out", "", AnyValue(), "output folder: model.h5, eval.h5, taste.h5")

// Options of `popularity` (eval/popularity.h).
#define AMPCF_POPULARITY_OPTIONS(X) \
  X(std::string, out, "--out", "", AnyValue(), "output folder: model.h5, eval.h5, taste.h5")

// Options of `generate` (planted multi-persona data, data/synthetic.h).
#define AMPCF_GENERATE_OPTIONS(X)                                                                \
  X(int, users, "--users", 2000, AtLeast(1), "users (any number: they are streamed to the file)") \
  X(int, items, "--items", 1000, AtLeast(2), "items")                                         \
  X(int, clusters, "--clusters", 10, AtLeast(1), "item taste clusters K")                     \
  X(int, max_tastes, "--max-tastes", 3, AtLeast(1), "each user has 1..R tastes (uniformly)")  \
  X(int, min_interactions, "--min-interactions", 10, AtLeast(2), "interactions per user, at least") \
  X(int, max_interactions, "--max-interactions", 60, AtLeast(2), "interactions per user, at most") \
  X(double, zipf, "--zipf", 0.8, AtLeast(0), "Zipf exponent of item popularity inside a cluster") \
  X(std::uint64_t, seed, "--seed", 7, AnyValue(), "seed")                                       \
  X(std::string, out, "--out", "", AnyValue(), "output folder: ratings.csv and truth.h5 (the planted tastes)")

// Options of `prepare`.
#define AMPCF_PREPARE_OPTIONS(X) \
  X(std::string, out, "--out", "", AnyValue(), "the prepared file to write (train, eval, stats, explain take it as --data)")

struct DataConfig {
  AMPCF_DATA_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct TrainConfig {
  AMPCF_TRAIN_OPTIONS(AMPCF_DECLARE_MEMBER)
  // The options of --model's own table (options/model_options.h), by name; absent: its default.
  ModelOptionValues model_options;

  // Staleness 0 or --deterministic: the workers split every batch and the servers sum a clock's
  // pushes; otherwise every worker takes whole batches of its own (ps/protocol.h).
  bool synchronous() const { return deterministic || staleness == 0; }
  // What the step pipeline uses (worker/step_pipeline.h): synchronous mode pulls and pushes every
  // row every step with one pull in flight; a message's steps are served by the copies it pulls;
  // a pull must not wait for the worker's own later push.
  int cache_steps_used() const { return synchronous() ? 1 : cache_steps; }
  int steps_per_message_used() const { return std::min(steps_per_message, cache_steps_used()); }
  int pulls_in_flight_used() const {
    if (synchronous()) return 1;
    return staleness < 0 ? pulls_in_flight : std::min(pulls_in_flight, staleness / steps_per_message_used() + 1);
  }
  int wire_bits_used() const { return synchronous() ? 32 : wire_bits; }
};

struct EvalConfig {
  AMPCF_EVAL_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct GenerateConfig {
  AMPCF_GENERATE_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct PrepareConfig {
  AMPCF_PREPARE_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct AispConfig {
  AMPCF_AISP_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct PopularityConfig {
  AMPCF_POPULARITY_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct ExplainConfig {
  AMPCF_EXPLAIN_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct RecommendConfig {
  AMPCF_RECOMMEND_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct ExportIndexConfig {
  AMPCF_EXPORT_INDEX_OPTIONS(AMPCF_DECLARE_MEMBER)
};

struct SimilarItemsConfig {
  AMPCF_SIMILAR_ITEMS_OPTIONS(AMPCF_DECLARE_MEMBER)
};

// Registers every option of the table on a CLI11 (sub)command.
void AddOptions(CLI::App& app, DataConfig& config);
void AddOptions(CLI::App& app, TrainConfig& config);
void AddOptions(CLI::App& app, EvalConfig& config);
void AddOptions(CLI::App& app, ExplainConfig& config);
void AddOptions(CLI::App& app, RecommendConfig& config);
void AddOptions(CLI::App& app, SimilarItemsConfig& config);
void AddOptions(CLI::App& app, ExportIndexConfig& config);
void AddOptions(CLI::App& app, AispConfig& config);
void AddOptions(CLI::App& app, PopularityConfig& config);
void AddOptions(CLI::App& app, PrepareConfig& config);
void AddOptions(CLI::App& app, GenerateConfig& config);

// --pretrained's value for random rows in a model whose recipe pretrains.
inline constexpr const char* kNoPretraining = "none";
// --pretrained's files, in order (empty when not given or kNoPretraining).
std::vector<std::string> PretrainedPaths(const TrainConfig& config);

// Cross-option checks that no single validator can make; throws UserError naming the options.
void Validate(const TrainConfig& config);

// Sets the shared training option named `name` (the member name, "negative_power") from text,
// as the command line would: a model's recipe sets its defaults this way. UserError naming the
// option when there is no such option or the text does not read as its type.
void SetTrainOption(TrainConfig& config, const std::string& name, const std::string& text);

// One line per option, `name = value`, the model's own options after the shared ones: logged at
// start and stored in model files.
std::string Describe(const DataConfig& data, const TrainConfig& train);
// A Describe() text's values by option name (as text).
std::map<std::string, std::string> DescribedValues(const std::string& text);

// The training options a Describe() text records (a model file's config): every option the text
// names takes its value there, the others keep their defaults; a name of neither table is one
// of the model's own options (model_options). UserError naming the option when a value does not
// read as its type.
TrainConfig TrainConfigFromDescription(const std::string& text);

// The options that change the model or its training and whose values differ between two Describe()
// texts, as "--name was OLD, now NEW" ("(absent)" for an option the older text predates). Options
// that only steer the run (--out, --resume, --epochs, --quiet, checkpoint cadence) are left out.
std::vector<std::string> ChangedTrainingOptions(const std::string& before, const std::string& now);

}  // namespace ampcf
