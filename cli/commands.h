// The subcommands of `ampcf`. Each is collective over MPI_COMM_WORLD and returns the process
// exit code: 0 on success, 2 on a user error (printed once, by rank 0, as one line).
#pragma once

#include <set>
#include <string>

#include "options/config.h"

namespace ampcf {

// `given`: the options the user set (member names), which a model's pretraining runs inherit
// (cli/pretraining.h).
int RunTrain(const DataConfig& data_config, const TrainConfig& config, const std::set<std::string>& given = {});
int RunEval(const DataConfig& data_config, const EvalConfig& config);
int RunStats(const DataConfig& data_config);
// Explains one user's recommendations by persona (rank 0 does the work).
int RunExplain(const DataConfig& data_config, const ExplainConfig& config);
// Every listed user's top items, spread over the ranks, written to one HDF5 or CSV file.
int RunRecommend(const DataConfig& data_config, const RecommendConfig& config);
// Builds a model's item index and writes it for hnswlib's users (rank 0 does the work).
int RunExportIndex(const ExportIndexConfig& config);
// The items nearest to one item by embedding (rank 0 does the work).
int RunSimilarItems(const DataConfig& data_config, const SimilarItemsConfig& config);
// The AISP-p baseline, built and evaluated like a trained model (eval/aisp.h).
int RunAisp(const DataConfig& data_config, const AispConfig& config);
int RunPopularity(const DataConfig& data_config, const PopularityConfig& config);
// Reads and prepares a dataset once and stores it (data/prepared_file.h); prints the timings.
int RunPrepare(const DataConfig& data_config, const PrepareConfig& config);
// Writes planted multi-persona data and its ground truth (rank 0).
int RunGenerate(const GenerateConfig& config);
// Verifies a checkpoint's checksums and prints its summary (rank 0).
int RunInspect(const std::string& path);

}  // namespace ampcf
