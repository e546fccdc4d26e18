#include "eval/taste_space.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "io/hdf5_util.h"
#include "core/mpi_chunked.h"
#include "core/mpi_env.h"
#include "core/rng.h"

namespace ampcf {

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr const char* kFormat = "ampcf-taste-space";
constexpr std::int64_t kVersion = 1;
constexpr std::uint64_t kPcaStream = 0x7a57e, kKMeansStream = 0x6b6d;

MatrixXd Orthonormalise(const MatrixXd& y) {
  Eigen::HouseholderQR<MatrixXd> qr(y);
  return qr.householderQ() * MatrixXd::Identity(y.rows(), y.cols());
}

// Orthonormal columns spanning those of `y`, whose rows are spread over the ranks of `comm`
// (SVQB: y V L^-1/2 from the eigen-decomposition V L V^T of the Gram matrix y^T y, summed over
// the ranks; columns of eigenvalue ~0 become zero). Collective.
MatrixXd OrthonormaliseRows(const MatrixXd& y, MPI_Comm comm) {
  MatrixXd gram = y.transpose() * y;
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, gram.data(), static_cast<int>(gram.size()), MPI_DOUBLE, MPI_SUM, comm));
  Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(gram);
  const VectorXd& values = eigen.eigenvalues();
  const double floor = std::max(values.maxCoeff(), 0.0) * 1e-12;
  VectorXd scale(values.size());
  for (Eigen::Index c = 0; c < values.size(); ++c) scale[c] = values[c] > floor ? 1.0 / std::sqrt(values[c]) : 0.0;
  return y * eigen.eigenvectors() * scale.asDiagonal();
}

// Items' coordinates on the top `k` principal axes of the column-centred binary matrix X (items x
// users), with the users (columns) spread over the ranks of `comm`: each rank holds its users'
// columns; products X m are summed over the ranks, products X^T q stay with the rank's users.
// Every rank returns the same coordinates. Collective.
MatrixXd PrincipalCoordinates(const Dataset& data, int k, std::uint64_t seed, MPI_Comm comm) {
  const Eigen::Index n_items = data.n_items, n_users = data.n_users, held = data.held.size();
  std::vector<Eigen::Triplet<double>> ones;
  ones.reserve(data.train_items.size());
  VectorXd mean(held);  // column means over items
  for (std::int32_t u = data.held.begin; u < data.held.end; ++u) {
    const Eigen::Index column = u - data.held.begin;
    for (std::int32_t j : data.TrainItems(u)) ones.emplace_back(j, column, 1.0);
    mean[column] = static_cast<double>(data.train_count(u)) / n_items;
  }
  Eigen::SparseMatrix<double, Eigen::RowMajor> x(n_items, held);
  x.setFromTriplets(ones.begin(), ones.end());
  // Products with Xc = X - 1 mean^T without forming it.
  auto times = [&](const MatrixXd& m) -> MatrixXd {  // Xc m, m: the held users' rows
    MatrixXd out = x * m;
    out.rowwise() -= (mean.transpose() * m);
    AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, out.data(), static_cast<int>(out.size()), MPI_DOUBLE, MPI_SUM, comm));
    return out;
  };
  auto transpose_times = [&](const MatrixXd& m) -> MatrixXd {  // Xc^T m: the held users' rows
    MatrixXd out = x.transpose() * m;
    out -= mean * m.colwise().sum();
    return out;
  };
  const Eigen::Index width = std::min<Eigen::Index>({static_cast<Eigen::Index>(k) + 10, n_items, n_users});
  MatrixXd omega(held, width);  // the held users' rows of a seeded n_users x width Gaussian matrix
  std::vector<double> column(static_cast<std::size_t>(n_users));
  for (Eigen::Index c = 0; c < width; ++c) {
    FillNormal(column.data(), static_cast<int>(n_users), 1.0, seed, kPcaStream, c);
    omega.col(c) = Eigen::Map<const VectorXd>(column.data() + data.held.begin, held);
  }
  MatrixXd q = Orthonormalise(times(omega));
  for (int power = 0; power < 3; ++power) q = Orthonormalise(times(OrthonormaliseRows(transpose_times(q), comm)));
  const MatrixXd b = transpose_times(q);  // the held users' rows of (Q^T Xc)^T
  MatrixXd gram = b.transpose() * b;      // Q^T Xc Xc^T Q, summed over the ranks
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, gram.data(), static_cast<int>(gram.size()), MPI_DOUBLE, MPI_SUM, comm));
  Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(gram);
  // Eigenvalues ascending: the last k columns, largest first. Coordinates = Q W sigma = Xc V.
  const Eigen::Index keep = std::min<Eigen::Index>(k, width);
  MatrixXd coordinates(n_items, keep);
  for (Eigen::Index c = 0; c < keep; ++c) {
    const Eigen::Index from = width - 1 - c;
    const double sigma = std::sqrt(std::max(eigen.eigenvalues()[from], 0.0));
    coordinates.col(c) = q * eigen.eigenvectors().col(from) * sigma;
  }
  return coordinates;
}

}  // namespace

MatrixXd KMeans(const MatrixXd& points, int clusters, int restarts, int max_iterations, std::uint64_t seed,
                std::vector<int>& assignment, double& inertia) {
  const Eigen::Index n = points.rows(), dims = points.cols();
  AMPCF_ASSERT(clusters >= 1 && clusters <= n, "K-Means with ", clusters, " clusters over ", n, " points");
  const VectorXd norms = points.rowwise().squaredNorm();
  MatrixXd best_centroids;
  inertia = std::numeric_limits<double>::infinity();
  std::vector<int> labels(n);
  for (int run = 0; run < restarts; ++run) {
    Rng rng(MixSeed(seed, kKMeansStream, static_cast<std::uint64_t>(run)));
    // k-means++: each next centroid drawn with probability proportional to the squared
    // distance to the nearest one so far.
    MatrixXd centroids(clusters, dims);
    centroids.row(0) = points.row(static_cast<Eigen::Index>(UniformIndex(rng, n)));
    VectorXd nearest = (points.rowwise() - centroids.row(0)).rowwise().squaredNorm();
    for (int c = 1; c < clusters; ++c) {
      const double total = nearest.sum();
      Eigen::Index pick = static_cast<Eigen::Index>(UniformIndex(rng, n));
      if (total > 0) {
        double target = Uniform01(rng) * total;
        for (pick = 0; pick < n - 1 && target >= nearest[pick]; ++pick) target -= nearest[pick];
      }
      centroids.row(c) = points.row(pick);
      nearest = nearest.cwiseMin((points.rowwise() - centroids.row(c)).rowwise().squaredNorm());
    }
    // Lloyd's iterations; distances by one GEMM: |p|^2 - 2 p.c + |c|^2.
    double objective = std::numeric_limits<double>::infinity();
    for (int iteration = 0; iteration < max_iterations; ++iteration) {
      MatrixXd distance = (-2.0 * points * centroids.transpose()).colwise() + norms;
      distance.rowwise() += centroids.rowwise().squaredNorm().transpose();
      double sum = 0;
      bool changed = iteration == 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        Eigen::Index c = 0;
        sum += std::max(distance.row(i).minCoeff(&c), 0.0);
        if (labels[i] != static_cast<int>(c)) changed = true;
        labels[i] = static_cast<int>(c);
      }
      objective = sum;
      if (!changed) break;
      MatrixXd sums = MatrixXd::Zero(clusters, dims);
      std::vector<int> counts(clusters, 0);
      for (Eigen::Index i = 0; i < n; ++i) {
        sums.row(labels[i]) += points.row(i);
        ++counts[labels[i]];
      }
      for (int c = 0; c < clusters; ++c) {
        if (counts[c] > 0) {
          centroids.row(c) = sums.row(c) / counts[c];
        } else {  // an empty cluster takes the point farthest from its centroid
          Eigen::Index far = 0;
          (distance.rowwise().minCoeff()).maxCoeff(&far);
          centroids.row(c) = points.row(far);
        }
      }
    }
    if (objective < inertia) {
      inertia = objective;
      best_centroids = centroids;
      assignment = labels;
    }
  }
  return best_centroids;
}

void TasteSpace::ComputeDistances() {
  const MatrixXd unit_items = item_coordinates.rowwise().normalized();
  const MatrixXd unit_centroids = centroids.rowwise().normalized();
  item_centroid_distance = (MatrixXd::Ones(unit_items.rows(), unit_centroids.rows()) - unit_items * unit_centroids.transpose());
}

TasteSpace BuildTasteSpace(const Dataset& data, const TasteOptions& options, MPI_Comm comm) {
  TasteSpace space;
  space.dataset_fingerprint = data.Fingerprint();
  space.item_coordinates = PrincipalCoordinates(data, options.components, options.seed, comm);
  space.components = static_cast<int>(space.item_coordinates.cols());
  space.clusters = std::min<int>(options.clusters, data.n_items);
  // Every rank clusters the same coordinates alike (K-Means is seeded), so nothing is broadcast.
  space.centroids = KMeans(space.item_coordinates, space.clusters, options.restarts, options.max_iterations, options.seed,
                           space.item_cluster, space.inertia);
  space.ComputeDistances();
  return space;
}

TasteSpace ShareTasteSpace(const Dataset& data, const TasteOptions& options, const std::string& path, MPI_Comm comm) {
  if (path.empty()) return BuildTasteSpace(data, options, comm);
  int rank = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  TasteSpace space;
  std::int64_t shape[3] = {0, 0, 0};
  std::string error;  // rank 0's, which every rank then throws: no rank is left in the broadcast
  if (rank == 0) {
    try {
      space = ReadTasteSpace(path, data);
    } catch (const UserError& failure) {
      error = failure.what();
    }
    shape[0] = space.item_coordinates.rows();
    shape[1] = space.components;
    shape[2] = space.clusters;
  }
  error = AgreeOnError(error.empty(), error, comm);
  if (!error.empty()) throw UserError(error);
  AMPCF_CHECK_MPI(MPI_Bcast(shape, 3, MPI_INT64_T, 0, comm));
  if (rank != 0) {
    space.dataset_fingerprint = data.Fingerprint();
    space.components = static_cast<int>(shape[1]);
    space.clusters = static_cast<int>(shape[2]);
    space.item_coordinates.resize(shape[0], shape[1]);
    space.centroids.resize(shape[2], shape[1]);
    space.item_cluster.resize(shape[0]);
  }
  BcastChunked(space.item_coordinates.data(), space.item_coordinates.size(), MPI_DOUBLE, 0, comm);
  BcastChunked(space.centroids.data(), space.centroids.size(), MPI_DOUBLE, 0, comm);
  BcastChunked(space.item_cluster.data(), shape[0], MPI_INT, 0, comm);
  AMPCF_CHECK_MPI(MPI_Bcast(&space.inertia, 1, MPI_DOUBLE, 0, comm));
  if (rank != 0) space.ComputeDistances();
  return space;
}

void WriteTasteSpace(const std::string& path, const TasteSpace& space) {
  h5::WriteAtomically(path, [&](hid_t file) {
    h5::WriteAttribute(file, "format", std::string(kFormat));
    h5::WriteAttribute(file, "version", kVersion);
    h5::WriteAttribute(file, "components", std::int64_t{space.components});
    h5::WriteAttribute(file, "clusters", std::int64_t{space.clusters});
    h5::WriteAttribute(file, "inertia", space.inertia);
    h5::WriteAttribute(file, "dataset_fingerprint", static_cast<std::int64_t>(space.dataset_fingerprint));
    // Row-major on disk, as h5py shows it: [n_items, components].
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> coordinates = space.item_coordinates;
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> centroids = space.centroids;
    h5::WriteDoubles(file, "item_coordinates", coordinates.data(),
                     {static_cast<hsize_t>(coordinates.rows()), static_cast<hsize_t>(coordinates.cols())});
    h5::WriteDoubles(file, "centroids", centroids.data(),
                     {static_cast<hsize_t>(centroids.rows()), static_cast<hsize_t>(centroids.cols())});
    std::vector<std::int64_t> clusters(space.item_cluster.begin(), space.item_cluster.end());
    h5::WriteInts(file, "item_cluster", clusters.data(), {clusters.size()});
  });
}

TasteSpace ReadTasteSpace(const std::string& path, const Dataset& data) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  const hid_t f = file.get();
  if (H5Aexists(f, "format") <= 0 || h5::ReadStringAttribute(f, "format", path) != kFormat)
    throw UserError(Cat(path, ": not an ampcf taste space"));
  if (h5::ReadIntAttribute(f, "version", path) != kVersion) throw UserError(Cat(path, ": unsupported taste space version"));
  TasteSpace space;
  space.dataset_fingerprint = static_cast<std::uint64_t>(h5::ReadIntAttribute(f, "dataset_fingerprint", path));
  if (space.dataset_fingerprint != data.Fingerprint())
    throw UserError(Cat(path, ": a taste space of another dataset or split"));
  const std::int64_t components = h5::ReadIntAttribute(f, "components", path);
  const std::int64_t clusters = h5::ReadIntAttribute(f, "clusters", path);
  if (components < 1 || components > data.n_items || clusters < 1 || clusters > data.n_items)
    throw UserError(Cat(path, ": attributes components ", components, " and clusters ", clusters,
                        " must be in [1, the dataset's ", data.n_items, " items]"));
  space.components = static_cast<int>(components);
  space.clusters = static_cast<int>(clusters);
  const std::vector<hsize_t> dims = h5::Dims(f, "item_coordinates", path), cdims = h5::Dims(f, "centroids", path);
  if (dims.size() != 2 || cdims.size() != 2 || dims[0] != static_cast<hsize_t>(data.n_items) ||
      dims[1] != static_cast<hsize_t>(space.components) || cdims[0] != static_cast<hsize_t>(space.clusters) ||
      cdims[1] != static_cast<hsize_t>(space.components))
    throw UserError(Cat(path, ": arrays do not match the dataset or the stated sizes"));
  auto read_doubles = [&](const char* name, hsize_t rows, hsize_t cols) {
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(rows, cols);
    h5::Handle set(H5Dopen2(f, name, H5P_DEFAULT), H5Dclose);
    if (H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.data()) < 0)
      throw UserError(Cat(path, ": cannot read ", name));
    return MatrixXd(m);
  };
  space.item_coordinates = read_doubles("item_coordinates", dims[0], dims[1]);
  space.centroids = read_doubles("centroids", cdims[0], cdims[1]);
  if (!space.item_coordinates.allFinite()) throw UserError(Cat(path, ": /item_coordinates holds a value that is not finite"));
  if (!space.centroids.allFinite()) throw UserError(Cat(path, ": /centroids holds a value that is not finite"));
  const std::vector<std::int64_t> item_cluster = h5::ReadInts(f, "/item_cluster", path);
  if (item_cluster.size() != static_cast<std::size_t>(data.n_items))
    throw UserError(Cat(path, ": /item_cluster has ", item_cluster.size(), " values for the dataset's ", data.n_items, " items"));
  for (std::size_t j = 0; j < item_cluster.size(); ++j)
    if (item_cluster[j] < 0 || item_cluster[j] >= clusters)
      throw UserError(Cat(path, ": /item_cluster[", j, "] is ", item_cluster[j], ", not a cluster in [0, ", clusters, ")"));
  space.item_cluster.assign(item_cluster.begin(), item_cluster.end());
  space.inertia = 0;
  space.ComputeDistances();
  return space;
}

std::vector<double> TasteDistribution(const TasteSpace& space, const std::int32_t* items, std::size_t n) {
  std::vector<double> p(space.clusters, 1.0 / space.clusters);
  if (n == 0) return p;
  VectorXd mean = VectorXd::Zero(space.clusters);
  for (std::size_t i = 0; i < n; ++i) mean += space.item_centroid_distance.row(items[i]).transpose();
  mean /= static_cast<double>(n);
  const double top = mean.maxCoeff();
  double total = 0;
  for (int c = 0; c < space.clusters; ++c) total += p[c] = std::exp(mean[c] - top);
  for (double& value : p) value /= total;
  return p;
}

std::vector<double> ClusterHistogram(const TasteSpace& space, const std::int32_t* items, std::size_t n) {
  std::vector<double> h(space.clusters, n == 0 ? 1.0 / space.clusters : 0.0);
  for (std::size_t i = 0; i < n; ++i) h[space.item_cluster[items[i]]] += 1.0 / static_cast<double>(n);
  return h;
}

double JensenShannon(const std::vector<double>& p, const std::vector<double>& q) {
  double divergence = 0;
  for (std::size_t c = 0; c < p.size(); ++c) {
    const double m = 0.5 * (p[c] + q[c]);
    if (p[c] > 0) divergence += 0.5 * p[c] * std::log(p[c] / m);
    if (q[c] > 0) divergence += 0.5 * q[c] * std::log(q[c] / m);
  }
  return std::sqrt(std::max(divergence, 0.0));
}

double Hellinger(const std::vector<double>& p, const std::vector<double>& q) {
  double sum = 0;
  for (std::size_t c = 0; c < p.size(); ++c) {
    const double diff = std::sqrt(p[c]) - std::sqrt(q[c]);
    sum += diff * diff;
  }
  return std::sqrt(0.5 * sum);
}

}  // namespace ampcf
