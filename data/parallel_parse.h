// Text input parsed by every rank, for jobs whose input no rank should have to read alone.
//
// Each rank reads the lines that start in its byte range of the file (data/range_lines.h) and
// sends each row to the rank that will hold its user: the ranks that will hold users (a run's
// workers) hold contiguous ranges of original user ids, cut where a sample of every rank's rows
// says the rows are balanced (one all-to-all of rows). Each of them then prepares its users
// (data/dataset.h: UserPreparation). The item ids are agreed by exchanging each rank's distinct
// ones (every rank holds the item side anyway); user ids never leave the rank that holds them:
// a rank learns where its users start from a prefix sum of the counts. The result is the dataset
// one rank would prepare: the same ids, split and fingerprint (data/fingerprint.h sums the
// parts' hashes). A share is balanced by training pairs, which only preparation knows, so
// data/share_moves.h then moves the few users between a sampled cut and their share's exact
// boundary to the neighbouring rank.
#pragma once

#include <mpi.h>

#include "data/dataset.h"
#include "options/config.h"

namespace ampcf {

// Whether `config`'s input can be split by bytes: an uncompressed file in a format of integer
// ids in fixed columns (data/line_formats.h: MovieLens, Yahoo, Last.fm, log). Other input
// (gzip, NCF's files, string ids, synthetic data) is parsed by one rank. Not collective.
bool ParsesInParallel(const DataConfig& config);

// Collective over `comm`: this rank's part of the prepared dataset, a contiguous range of
// dense users (possibly empty) with the whole dataset's description, item side and
// fingerprint. Ranks [0, user_ranks) of `comm` get the users; the others parse their byte
// range but keep no user (1 <= user_ranks <= the size of `comm`). A malformed line anywhere is
// a UserError on every rank naming its file and line.
Dataset ParseInParallel(const DataConfig& config, int user_ranks, MPI_Comm comm);

}  // namespace ampcf
