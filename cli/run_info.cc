#include "cli/run_info.h"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <sstream>

#include "core/mpi_env.h"

namespace ampcf {

RunInfo MakeRunInfo(const Dataset& data, const std::string& config) {
  RunInfo info;
  info.dataset = data.name;
  info.n_users = data.n_users;
  info.n_items = data.n_items;
  info.n_train = data.num_train();
  info.fingerprint = data.Fingerprint();
  info.config = config;
  return info;
}

std::string CheckRanksAgree(const RunInfo& mine) {
  std::string bytes;
  if (WorldRank() == 0) {
    std::ostringstream out;
    boost::archive::binary_oarchive archive(out);
    archive << mine;
    bytes = out.str();
  }
  BroadcastString(bytes, 0, MPI_COMM_WORLD);
  RunInfo lead;
  {
    std::istringstream in(bytes);
    boost::archive::binary_iarchive archive(in);
    archive >> lead;
  }
  std::string problem;
  if (lead.fingerprint != mine.fingerprint || lead.n_users != mine.n_users || lead.n_items != mine.n_items)
    problem = Cat("rank ", WorldRank(), " read a different dataset than rank 0 (", mine.n_users, " users, ",
                  mine.n_items, " items vs ", lead.n_users, ", ", lead.n_items, "): check --data on every node");
  else if (lead.config != mine.config)
    problem = Cat("rank ", WorldRank(), " has different options than rank 0");
  return AgreeOnError(problem.empty(), problem);
}

}  // namespace ampcf
