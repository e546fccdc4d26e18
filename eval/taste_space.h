// Taste Distribution Distance (TDD, the AMP-CF paper's measure of how well a user's
// recommendations follow the user's tastes), and the taste space it is measured in.
//
// The taste space is computed once per dataset, from the training data only:
//  1. X = the binary item x user matrix (X_ju = 1 when user u has item j in training);
//  2. PCA: items' coordinates on the top `components` (100) principal axes of X with its
//     columns centred, by a randomised SVD (Halko, Martinsson and Tropp 2011; 10 extra
//     columns, 3 power iterations), with the users spread over the ranks;
//  3. K-Means with `clusters` (50) centroids over those coordinates: k-means++ seeding,
//     `restarts` seeded runs of Lloyd's algorithm, the run with the lowest inertia kept.
// It is saved to and loaded from HDF5, so two implementations can be compared in one space.
//
// TDD of a user: for a set of items S (the user's top-30 recommendations, training items
// excluded; or the user's training history), d_c(S) = mean over j in S of the cosine distance
// 1 - cos(x_j, mu_c) to centroid c, and P_S = softmax_c(d_c(S)) (as the paper defines it; the
// distances lie in [0, 2], so P_S stays close to uniform). Between the list's P and the
// history's Q:
//   Jensen-Shannon  JS(P, Q) = sqrt( (KL(P || M) + KL(Q || M)) / 2 ),  M = (P + Q) / 2
//   Hellinger       H(P, Q)  = sqrt( sum_c (sqrt(P_c) - sqrt(Q_c))^2 / 2 )
// with natural logarithms, so 0 <= JS <= sqrt(ln 2) ~ 0.833 and 0 <= H <= 1. Figures are
// averaged over users.
//
// The paper's P_S hardly moves (a softmax over distances that differ by a few tenths), so its TDD
// is about the same for every model. The histogram variant discriminates: H_S(c) = the share of
// S's items whose nearest centroid is c, with the same JS and Hellinger between the list's H and
// the history's (tdd_hist_js, tdd_hist_hellinger: 0 when the list mixes the clusters as the
// history does, sqrt(ln 2) and 1 when they share no cluster). (The paper's Table 3 prints JS of 1.1 to 2.6 beside Hellinger of 0.02 to
// 0.16: JS that large cannot come from these formulas, whatever the base of the logarithm.)
#pragma once

#include <mpi.h>

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ampcf {

struct TasteOptions {
  int components = 100;
  int clusters = 50;
  int restarts = 4;
  int max_iterations = 100;
  std::uint64_t seed = 1;
};

struct TasteSpace {
  std::uint64_t dataset_fingerprint = 0;
  int components = 0, clusters = 0;
  Eigen::MatrixXd item_coordinates;  // n_items x components
  Eigen::MatrixXd centroids;         // clusters x components
  std::vector<int> item_cluster;     // nearest centroid of each item
  double inertia = 0;                // K-Means objective of the kept run
  // 1 - cos(x_j, mu_c), n_items x clusters: computed once for every distribution.
  Eigen::MatrixXd item_centroid_distance;
  void ComputeDistances();
};

// Components and clusters are capped by what the data allows (items, users). Collective over
// `comm`, whose ranks hold disjoint shares of the users, together every user (one rank holding
// every user: MPI_COMM_SELF); every rank returns the same space, built without gathering the
// users' data: PCA products are summed over the ranks.
TasteSpace BuildTasteSpace(const Dataset& data, const TasteOptions& options, MPI_Comm comm = MPI_COMM_SELF);
// Collective over `comm`: the space built as above, or read from `path` when not empty by rank 0
// and broadcast.
TasteSpace ShareTasteSpace(const Dataset& data, const TasteOptions& options, const std::string& path, MPI_Comm comm);

// taste.h5: attributes format ("ampcf-taste-space"), version, components, clusters, inertia,
// dataset_fingerprint; /item_coordinates [n_items, components], /centroids [clusters,
// components], /item_cluster [n_items].
void WriteTasteSpace(const std::string& path, const TasteSpace& space);
// UserError naming the file when it is not a taste space or of another dataset.
TasteSpace ReadTasteSpace(const std::string& path, const Dataset& data);

// P_S over the clusters for the items S (dense ids); uniform when S is empty.
std::vector<double> TasteDistribution(const TasteSpace& space, const std::int32_t* items, std::size_t n);
// H_S over the clusters for the items S (dense ids); uniform when S is empty.
std::vector<double> ClusterHistogram(const TasteSpace& space, const std::int32_t* items, std::size_t n);
double JensenShannon(const std::vector<double>& p, const std::vector<double>& q);
double Hellinger(const std::vector<double>& p, const std::vector<double>& q);

// K-Means on the rows of `points` (exposed for tests): returns the centroids and fills
// `assignment` and `inertia`.
Eigen::MatrixXd KMeans(const Eigen::MatrixXd& points, int clusters, int restarts, int max_iterations,
                       std::uint64_t seed, std::vector<int>& assignment, double& inertia);

}  // namespace ampcf
