// A dataset's fingerprint: a 64-bit hash of its whole split (ids, training items, held-out items,
// stored candidates, names), which models, checkpoints and evaluation files carry so that they
// are never used with another dataset.
//
// It is a sum over elements, each hashed with its section and its position in the whole
// dataset, so ranks that each hold a contiguous range of users hash their own users and add the
// sums (one Allreduce): no rank needs the whole dataset. Drawn evaluation candidates are not
// hashed one by one: they follow from the rest, the eval seed and the negatives' count, which are.
#pragma once

#include <array>
#include <cstdint>

namespace ampcf {

struct Dataset;

class FingerprintSums {
 public:
  // Adds the users `part` holds (every user's position is its dense id; `part`'s first training
  // item is item `first_train` of the whole dataset's training items, in dense user order).
  void AddUsers(const Dataset& part, std::int64_t first_train);
  // Adds the item side (ids and names); once per dataset, not once per part.
  void AddItems(const Dataset& any_part);
  // The sums, for adding those of other ranks (MPI_SUM over uint64 wraps as they do here).
  std::array<std::uint64_t, 8>& sums() { return sums_; }
  // The fingerprint of the summed parts and `description`'s counts and evaluation settings.
  std::uint64_t Finish(const Dataset& description) const;

 private:
  void Add(int section, std::int64_t position, std::uint64_t value);
  std::array<std::uint64_t, 8> sums_{};
};

}  // namespace ampcf
