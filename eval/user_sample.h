// --eval-users N: the users that full ranking and the evaluation report (top-K lists, TDD,
// beyond-accuracy figures) cover when all of them would cost too much.
//
// A user is in the sample when a hash of (eval seed, original user id) falls below N / n_users
// of the hash range. Every rank decides for its own users without communication, the sample is
// the same for every rank layout and every run with the same --eval-seed, and it holds about N
// users (a binomial count, not exactly N: the exact N would need a collective over all users'
// hashes); each figure is reported with the number of users it covers.
#pragma once

#include <cstdint>

namespace ampcf {

class UserSample {
 public:
  UserSample() = default;  // every user
  // `wanted` 0, or at least n_users: every user.
  UserSample(std::int64_t wanted, std::int64_t n_users, std::uint64_t seed);
  bool Contains(std::int64_t original_user_id) const;
  // Every user is in the sample (callers then need not look ids up).
  bool everyone() const { return fraction_ >= 1.0; }

 private:
  double fraction_ = 1.0;
  std::uint64_t seed_ = 0;
};

}  // namespace ampcf
