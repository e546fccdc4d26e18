// Fuzzes the model-file reader (io/model_file.h: ReadModel, whole or a range of users) on a
// small valid model.h5 with edits made from the input (tests/fuzz/hdf5_edits.h: an attribute or
// array deleted, or replaced by one of another type, rank or size). A UserError is the expected
// end; a model that loads must hold arrays of the sizes its shape says, else the target aborts.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/model_file.h"
#include "tests/fuzz/fuzz_files.h"
#include "tests/fuzz/hdf5_edits.h"

namespace ampcf {
namespace {

// AMP-CF with r = 2, d = 3, da = 2: three items, two users, both attention maps.
ModelData Base() {
  ModelData model;
  model.shape.personas = 2;
  model.shape.dim = 3;
  model.shape.SetSize("att_dim", 2);
  model.dataset = "fuzz";
  model.dataset_fingerprint = 7;
  model.config = "dim = 3\n";
  model.item_ids = {1, 2, 3};
  model.items.assign(3 * 4, 0.5f);
  model.item_train_counts = {1, 1, 2};
  model.dense = {{"attention/A_u", 3, 2, std::vector<float>(6, 0.25f)},
                 {"attention/A_v", 3, 2, std::vector<float>(6, -0.25f)}};
  model.user_ids = {10, 20};
  model.personas.assign(2 * 6, 1.0f);
  model.user_names = {"a", "b"};
  return model;
}

constexpr const char* kAttributes[] = {"format",  "version", "model",   "personas",            "dim",   "att_dim",
                                       "tower",   "history", "dataset", "dataset_fingerprint", "config", "dense",
                                       "trained_on_validation"};
constexpr const char* kDatasets[] = {"/items/ids",    "/items/embedding", "/items/bias",     "/items/train_counts",
                                     "/users/ids",    "/users/personas",  "/users/names",    "/items/names",
                                     "/attention/A_u", "/attention/A_v",  "/attention",      "/users"};

void CheckUsable(const ModelData& model) {
  auto fail = [](const char* what) {
    std::fprintf(stderr, "the model-file reader accepted a file with %s\n", what);
    std::abort();
  };
  const ModelShape& s = model.shape;
  if (s.personas < 1 || s.dim < 1 || s.user_columns < 0) fail("a shape that is not positive");
  if (model.items.size() != model.item_ids.size() * static_cast<std::size_t>(s.item_width()))
    fail("item rows of the wrong size");
  if (model.personas.size() != model.user_ids.size() * static_cast<std::size_t>(s.user_width()))
    fail("user rows of the wrong size");
  for (const DenseArray& array : model.dense)
    if (array.rows < 0 || array.cols < 0 || array.values.size() != static_cast<std::size_t>(array.rows * array.cols))
      fail("a dense array of the wrong size");
  if (!model.user_names.empty() && model.user_names.size() < model.user_ids.size()) fail("too few user names");
  if (!model.item_names.empty() && model.item_names.size() != model.item_ids.size()) fail("item names of the wrong count");
}

}  // namespace
}  // namespace ampcf

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  using namespace ampcf;
  FuzzedDataProvider in(bytes, size);
  const std::int64_t first = in.ConsumeIntegralInRange<std::int64_t>(0, 3), count = in.ConsumeIntegralInRange<std::int64_t>(-1, 3);
  const std::string path = (fuzz::Folder() / "model.h5").string();
  WriteModel(path, Base());
  fuzz::EditFileUntilTheEnd(in, path, kAttributes, kDatasets);
  fuzz::ExpectOnlyUserErrors([&] { CheckUsable(ReadModel(path)); });
  fuzz::ExpectOnlyUserErrors([&] { CheckUsable(ReadModel(path, first, count)); });
  return 0;
}
