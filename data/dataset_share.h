// Getting every rank of a run its part of a dataset, with the input parsed once.
//
// A prepared file (`ampcf prepare`) is read by every rank itself: the description and the item
// side, then its own users' rows by hyperslab. A text file in a format split by bytes is parsed
// by every rank (data/parallel_parse.h), each its byte range, and the users then move to the
// ranks that hold their shares. Other text input is parsed and prepared by rank 0 alone, which
// then sends every rank its part and keeps only its own. Either way a rank ends up holding the
// description, the item side and its share of the users (data/user_share.h), never the other
// users' data.
#pragma once

#include <mpi.h>

#include <optional>
#include <string>

#include "data/dataset.h"
#include "options/config.h"

namespace ampcf {

class DatasetSource {
 public:
  // `comm` must outlive this object; rank 0 of it parses text input.
  DatasetSource(const DataConfig& config, MPI_Comm comm);

  // Collective: reads what this rank reads first (a prepared file's description; its byte range
  // of a text file split by bytes, prepared with every rank's; or the whole text input, on rank
  // 0). Ranks [0, user_ranks) of `comm` will ask for shares (TakeShare with an index >= 0): a
  // text file parsed by every rank sends its users to them alone, so that few move to their
  // shares afterwards. Call it inside a collective set-up, so that a UserError ends every rank
  // alike.
  void Open(int user_ranks);
  // Collective: the description and item side, the same on every rank (holding no user).
  const Dataset& Description();
  // Collective: share `index` of `shares` of the users (index -1: none, as for a server), with
  // the description. Call once, after Description(); rank 0 then drops the parsed input.
  Dataset TakeShare(int index, int shares);
  // How the data is read, for the log: "read from a prepared file", "parsed by every rank" or
  // "parsed by rank 0". After Open().
  const char* HowRead() const;

 private:
  Dataset MoveShare(int index, int shares);  // TakeShare, less returning freed memory

  DataConfig config_;
  MPI_Comm comm_;
  int rank_ = 0;
  bool prepared_ = false;
  bool parallel_ = false;         // every rank parses (data/parallel_parse.h)
  std::optional<Dataset> whole_;  // rank 0, text input: until the shares are sent
  std::optional<Dataset> part_;   // every rank parses: this rank's users, until the shares move
  Dataset description_;
  bool described_ = false;
};

// Serialises a dataset (for sending a share to another rank).
std::string SerialiseDataset(const Dataset& data);
Dataset DeserialiseDataset(const std::string& bytes);

}  // namespace ampcf
