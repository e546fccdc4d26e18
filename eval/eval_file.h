// eval.h5 (its layout: eval/report.h), written from the report's per-user records.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

#include "data/dataset.h"
#include "eval/report.h"
#include "eval/report_record.h"

namespace ampcf {

// Collective over `comm`: writes `path` (through path.tmp, committed whole), rank 0 creating it
// with its attributes (`model`, the summary, the dataset's identity) and every rank writing its
// own users' rows in turn. `records`: this rank's users, one record of `layout` each; ranks hold
// ascending ranges of users in rank order, so the rows come out in dense user order.
// `user_names`: every rank's users' string ids in that order (empty when the dataset has none).
void WriteEvalFile(const std::string& path, const std::string& model, const std::vector<double>& records,
                   const RecordLayout& layout, const Summary& summary, const Dataset& data,
                   const std::vector<std::string>& user_names, MPI_Comm comm);

}  // namespace ampcf
