// A model added from outside models/ with one registration line: it declares an option of its
// own, writes a size of its own into model.h5, and `train`, `eval` and model loading take it
// like a built-in model. The proof that the machinery (options/, io/, worker/, ps/, eval/) needs
// no change for a new model; tests/check_model_names.py checks that it names none.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/commands.h"
#include "core/eigen_types.h"
#include "core/mpi_env.h"
#include "core/rng.h"
#include "models/logistic.h"
#include "models/registry.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

#define SCALED_DOT_OPTIONS(X) \
  X(int, score_scale, "--score-scale", 2, AtLeast(1), "the score is this times u . v, plus the item's bias")
AMPCF_OPTION_STRUCT(ScaledDotOptions, SCALED_DOT_OPTIONS)

// y = scale * (u . v_j) + b_j, trained by NCF's pointwise log loss over each positive and its
// negatives. The scale is an option and a size of the model's shape.
class ScaledDot : public Model {
 public:
  ScaledDot(const TrainConfig& config, std::int64_t n_items) {
    shape_.personas = 1;
    shape_.dim = config.dim;
    shape_.SetSize("score_scale", ScaledDotOptions::From(config.model_options).score_scale);
    const int d = config.dim;
    const double init_std = config.init_std;
    const std::uint64_t seed = config.seed;
    auto init = [=](std::uint64_t stream) {
      return [=](std::int64_t row, float* values) { FillNormal(values, d, init_std, seed, stream, static_cast<std::uint64_t>(row)); };
    };
    const AdamConfig adam = MakeAdam(config);
    tables_ = {{"users", Placement::kPerUser, 0, d, init(101), adam},
               {"items", Placement::kOnServers, n_items, d + 1, init(102), adam}};
  }
  explicit ScaledDot(const ModelShape& shape) : shape_(shape) {}

  const std::string& name() const override { return name_; }
  const ModelShape& shape() const override { return shape_; }
  const std::vector<TableSpec>& tables() const override { return tables_; }
  void RowsRead(const Batch& batch, const float*, std::vector<std::vector<std::int32_t>>& keys) const override {
    keys.assign(1, batch.items);
  }
  BatchStats ForwardBackward(const Batch& batch, const float* user_rows, const std::vector<const float*>& server_rows,
                             const float*& user_gradients, std::vector<const float*>& server_gradients) override {
    const int d = shape_.dim, C = batch.candidates;
    const float scale = static_cast<float>(shape_.Size("score_scale"));
    Eigen::Map<const RowMatrixXf> U(user_rows, static_cast<Eigen::Index>(batch.users.size()), d);
    Eigen::Map<const RowMatrixXf> V(server_rows[0], static_cast<Eigen::Index>(batch.items.size()), d + 1);
    user_gradients_.setZero(U.rows(), d);
    item_gradients_.setZero(V.rows(), d + 1);
    const double weight = batch.gradient_scale / std::max(batch.size(), 1);
    BatchStats stats;
    for (int b = 0; b < batch.size(); ++b) {
      const int user = batch.user[b];
      for (int c = 0; c < C; ++c) {
        const int item = batch.item[static_cast<std::size_t>(b) * C + c];
        const double y = scale * U.row(user).dot(V.row(item).head(d)) + V(item, d);
        const double label = c == 0 ? 1.0 : 0.0;
        stats.sampled_nll += Softplus(y) - label * y;
        const float g = static_cast<float>((Sigmoid(y) - label) * weight);
        user_gradients_.row(user) += g * scale * V.row(item).head(d);
        item_gradients_.row(item).head(d) += g * scale * U.row(user);
        item_gradients_(item, d) += g;
      }
    }
    stats.sampled_nll /= std::max(batch.size(), 1);
    stats.loss = stats.sampled_nll;
    user_gradients = user_gradients_.data();
    server_gradients = {item_gradients_.data()};
    return stats;
  }
  std::unique_ptr<Scorer> MakeScorer(const std::vector<const float*>& server_tables, std::int32_t n_items) const override {
    return std::make_unique<DotScorer>(shape_, server_tables[0], n_items);
  }
  void ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const override {
    model.model = name_;
    model.shape = shape_;
    model.items.assign(server_tables[0], server_tables[0] + model.item_ids.size() * shape_.item_width());
  }
  std::vector<std::vector<float>> ImportTables(const ModelData& model, const std::string&) const override {
    return {model.items};
  }

 private:
  class DotScorer : public Scorer {
   public:
    DotScorer(const ModelShape& shape, const float* items, std::int32_t n_items)
        : dim_(shape.dim), scale_(static_cast<float>(shape.Size("score_scale"))), items_(items), n_items_(n_items) {}
    void Score(const float* user_row, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
               std::vector<float>* attention) const override {
      const std::int32_t n = candidates.empty() ? n_items_ : static_cast<std::int32_t>(candidates.size());
      Eigen::Map<const Eigen::VectorXf> u(user_row, dim_);
      scores.resize(n);
      for (std::int32_t c = 0; c < n; ++c) {
        const float* v = items_ + static_cast<std::size_t>(candidates.empty() ? c : candidates[c]) * (dim_ + 1);
        scores[c] = scale_ * Eigen::Map<const Eigen::VectorXf>(v, dim_).dot(u) + v[dim_];
      }
      if (attention != nullptr) attention->assign(n, 1.0f);
    }
    std::int32_t n_items() const override { return n_items_; }
    int personas() const override { return 1; }
    int dim() const override { return dim_; }

   private:
    int dim_;
    float scale_;
    const float* items_;
    std::int32_t n_items_;
  };

  std::string name_ = "test-scaled-dot";
  ModelShape shape_;
  std::vector<TableSpec> tables_;
  RowMatrixXf user_gradients_, item_gradients_;
};

// The one line that adds the model.
const bool kRegistered = RegisterModel(MakeModelInfo<ScaledDot>("test-scaled-dot", "a test's model", ScaledDotOptions::Specs(), NcfRecipe()));

std::string LastLine(const std::string& text) {
  const auto end = text.find_last_not_of('\n');
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

double Figure(const std::string& json, const std::string& name) {
  const auto at = json.find("\"" + name + "\": ");
  return at == std::string::npos ? -1 : std::stod(json.substr(at + name.size() + 4));
}

TEST(ModelPlugin, ARegisteredModelTrainsSavesLoadsAndEvaluates) {
  ASSERT_TRUE(kRegistered);
  // One process: the folders below are this rank's own.
  if (WorldSize() != 1) GTEST_SKIP() << "runs ampcf train in-process on one rank";
  testing::TempDir dir;
  DataConfig data;
  data.synthetic_users = 300;
  data.synthetic_items = 150;
  TrainConfig config;
  config.model = "test-scaled-dot";
  ApplyRecipe(FindModel(config.model), config);
  config.model_options.Set("score_scale", 3);
  config.dim = 8;
  config.epochs = 6;
  config.lr = 0.01;
  config.quiet = true;
  config.out = dir.Path("run");
  ::testing::internal::CaptureStdout();
  const int trained = RunTrain(data, config);
  ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(trained, 0);

  const std::string path = dir.Path("run/model.h5");
  const ModelData model = LoadModel(path);
  EXPECT_EQ(model.model, "test-scaled-dot");
  EXPECT_EQ(model.shape.Size("score_scale"), 3) << "the model's own size is in the file";
  EXPECT_NE(model.config.find("score_scale = 3"), std::string::npos) << "its option is recorded";
  EXPECT_NE(model.config.find("exclude_seen = 1"), std::string::npos) << "its recipe is in effect";

  std::ifstream metrics(dir.Path("run/metrics.jsonl"));
  const std::string trained_figures = LastLine(std::string(std::istreambuf_iterator<char>(metrics), {}));
  EXPECT_GT(Figure(trained_figures, "test_hr@10"), 0.2) << "learns: chance is 0.10";

  EvalConfig eval;
  eval.model = path;
  ::testing::internal::CaptureStdout();
  const int evaluated = RunEval(data, eval);
  const std::string evaluated_figures = LastLine(::testing::internal::GetCapturedStdout());
  ASSERT_EQ(evaluated, 0);
  EXPECT_DOUBLE_EQ(Figure(evaluated_figures, "test_hr@10"), Figure(trained_figures, "test_hr@10"))
      << "eval of the saved model reproduces train's figures";
  EXPECT_NEAR(Figure(evaluated_figures, "test_full_ndcg@10"), Figure(trained_figures, "test_full_ndcg@10"), 1e-6);
}

}  // namespace
}  // namespace ampcf
