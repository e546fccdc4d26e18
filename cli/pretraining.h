// Models whose recipe starts from other trained models (NeuMF from GMF and MLP, DeepICF+a from
// FISM, ConvNCF from BPR-MF: ModelInfo::pretrain) train those first when --pretrained is empty,
// so that `ampcf train --model neumf` runs NCF's whole recipe with no extra flag.
#pragma once

#include <set>
#include <string>

#include "options/config.h"

namespace ampcf {

// Each pretraining run trains its model with that model's recipe and the options the user set
// (`given`, member names) that it has too, except --model, --out, --resume, --pretrained and
// --lr (the last model's step size); it writes --out/pretrain/NAME (a folder in the system's
// temporary directory without --out, removed at the end: on several nodes give --out, on a
// file system every rank reads) and resumes its own checkpoints there (--resume auto), so a
// stopped job continues where it stopped. A finished one (its model.h5 there) is reused.
class Pretraining {
 public:
  Pretraining(const DataConfig& data_config, const TrainConfig& config, const std::set<std::string>& given);
  ~Pretraining();  // removes the temporary folder, if it made one
  Pretraining(const Pretraining&) = delete;
  Pretraining& operator=(const Pretraining&) = delete;

  // Collective. Trains what is missing and returns 0 with `config.pretrained` naming the files,
  // or the exit code of the run that failed or stopped.
  int Run(TrainConfig& config);

 private:
  const DataConfig& data_config_;
  std::set<std::string> given_;
  std::string folder_;          // where the pretrained models go
  bool temporary_ = false;      // folder_ was made here and goes at the end (rank 0)
};

}  // namespace ampcf
