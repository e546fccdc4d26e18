// Single-process throughput of the AMP-CF forward/backward pass alone (no communication):
// the ceiling the distributed trainer works towards. The end-to-end figure over all ranks
// comes from `bench/benchmark.sh`, which runs `ampcf train` and reads pairs/s.
//   ampcf_bench [PERSONAS [THREADS]]   defaults 2 and 1 (one core: the figure ratios are taken against)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "models/amp/amp_model.h"
#include "core/parallel.h"
#include "core/process_setup.h"
#include "core/rng.h"

int main(int argc, char** argv) {
  using namespace ampcf;
  SetUpComputeProcess();
  ModelShape shape;
  shape.personas = argc > 1 ? std::atoi(argv[1]) : 2;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  SetComputeThreads(threads);
  shape.SetSize("att_dim", 64);
  const int batch_size = 256, negatives = 4;
  LossWeights weights{0.9, 1.0, 1.0, 1.0, 3e-3, 1.0, 0.03};  // entropy terms, the default --l2-example and --persona-tie on
  Rng rng(1);
  std::vector<float> users(static_cast<std::size_t>(batch_size) * shape.personas * shape.dim);
  std::vector<float> items(static_cast<std::size_t>(batch_size) * (1 + negatives) * shape.item_width());
  std::vector<float> att(2 * shape.dim * shape.Size("att_dim"));
  FillNormal(users.data(), static_cast<int>(users.size()), 0.1, 1, 1, 1);
  FillNormal(items.data(), static_cast<int>(items.size()), 0.1, 1, 2, 1);
  FillNormal(att.data(), static_cast<int>(att.size()), 0.125, 1, 3, 1);
  // A batch with ML-1M-like item reuse: about 60% of the candidate slots are distinct items.
  Batch batch;
  batch.candidates = 1 + negatives;
  const int distinct = static_cast<int>(0.6 * batch_size * batch.candidates);
  for (int b = 0; b < batch_size; ++b) {
    batch.user.push_back(b);
    for (int c = 0; c < batch.candidates; ++c) batch.item.push_back(static_cast<int>(UniformIndex(rng, distinct)));
  }
  BatchParams params{users.data(), batch_size, items.data(), distinct, att.data(),
                     att.data() + shape.dim * shape.Size("att_dim")};
  BatchGradients gradients;
  ForwardBackward(shape, weights, batch, params, gradients);
  // Steps run for at least 2 s: a run of a tenth of a second read the 2-thread kernel at 0.66x of
  // its steady speed, since the helper threads take a while to spread over the cores.
  const auto start = std::chrono::steady_clock::now();
  long steps = 0;
  double seconds = 0;
  while (seconds < 2.0) {
    for (int s = 0; s < 100; ++s) ForwardBackward(shape, weights, batch, params, gradients);
    steps += 100;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("forward+backward only, %d thread%s: r=%d d=%d |N|=%d batch %d: %.0f pairs/s\n", threads,
              threads == 1 ? "" : "s", shape.personas, shape.dim, negatives, batch_size, steps * batch_size / seconds);
  return 0;
}
