// Checks an analytic gradient against central finite differences of a loss.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ampcf::testing {

// For every element of `values`, compares analytic[i] with scale * dLoss/dvalues[i] estimated
// by central differences; `loss()` reads `values` as they are when called.
template <typename Loss>
void CheckAgainstFiniteDifferences(const Loss& loss, std::vector<float>& values, const float* analytic, const char* name,
                                   double scale = 1.0) {
  constexpr float kStep = 2e-3f;
  constexpr double kAbsolute = 2e-4, kRelative = 1e-2;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float kept = values[i];
    values[i] = kept + kStep;
    const double up = loss();
    values[i] = kept - kStep;
    const double down = loss();
    values[i] = kept;
    const double numeric = scale * (up - down) / (2.0 * kStep);
    EXPECT_NEAR(analytic[i], numeric, kAbsolute + kRelative * std::abs(numeric)) << name << "[" << i << "]";
  }
}

}  // namespace ampcf::testing
