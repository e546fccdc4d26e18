// The logistic function and its log-loss partner, without overflow for any x.
#pragma once

#include <cmath>

namespace ampcf {

// log(1 + e^x)
inline double Softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
// 1 / (1 + e^-x)
inline double Sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)); }

}  // namespace ampcf
