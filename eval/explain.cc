#include "eval/explain.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "io/hdf5_util.h"

namespace ampcf {

namespace {

std::vector<Explained> TopOf(const std::vector<float>& scores, const std::vector<char>& seen, int top) {
  std::vector<Explained> out;
  for (const Recommended& e : TopUnseen(scores, seen, top)) out.push_back(Explained{e, {}});
  return out;
}

}  // namespace

Explanation Explain(const Scorer& scorer, const Dataset& data, std::int32_t user, const float* user_rows, int top,
                    bool exclude_validation) {
  const int r = scorer.personas(), d = scorer.dim();
  Explanation out;
  out.user = user;
  std::vector<float> scores, attention;
  scorer.Score(user_rows, {}, scores, &attention);
  std::vector<char> seen(data.n_items, 0);
  for (std::int32_t j : data.TrainItems(user)) seen[j] = 1;
  if (exclude_validation && data.ValItem(user) >= 0) seen[data.ValItem(user)] = 1;
  auto label = [&](Explained& e) {
    const float* a = &attention[static_cast<std::size_t>(e.item) * r];
    e.persona = static_cast<int>(std::max_element(a, a + r) - a);
    e.weight = a[e.persona];
  };
  out.recommendations = TopOf(scores, seen, top);
  for (Explained& e : out.recommendations) {
    label(e);
    e.because = scorer.Because(user_rows, e.item, kBecauseItems);
  }
  // Each persona alone: u_ik . v_j + b_j (the score the item would get with all attention on k).
  for (int k = 0; k < r; ++k) {
    std::vector<float> own(data.n_items);
    std::vector<float> unit(r * d, 0.0f);
    for (int other = 0; other < r; ++other) std::copy_n(user_rows + k * d, d, unit.data() + other * d);
    scorer.Score(unit.data(), {}, own);  // every persona equal to u_ik: attention is irrelevant
    out.per_persona.push_back(TopOf(own, seen, top));
    for (Explained& e : out.per_persona.back()) {
      label(e);
      e.persona = k;
    }
  }
  for (std::int32_t j : data.TrainItems(user)) {
    Explained e{{j, scores[j], 0, 0.0f}, {}};
    label(e);
    out.history.push_back(e);
  }
  std::stable_sort(out.history.begin(), out.history.end(),
                   [](const Explained& a, const Explained& b) { return a.persona < b.persona; });
  return out;
}

std::string ItemLabel(const Dataset& data, const std::map<std::int64_t, ItemInfo>& info, std::int32_t item) {
  if (!data.item_names.empty()) return Cat("item ", data.item_names[item]);
  const std::int64_t id = data.item_ids[item];
  auto found = info.find(id);
  return found == info.end() ? Cat("item ", id) : Cat(found->second.title, "  [", found->second.genres, "]");
}

std::string FormatExplanation(const Explanation& explanation, const Dataset& data,
                              const std::map<std::int64_t, ItemInfo>& info, int personas) {
  std::ostringstream out;
  auto name = [&](std::int32_t item) { return ItemLabel(data, info, item); };
  out << "user "
      << (data.user_names.empty() ? std::to_string(data.user_ids[explanation.user]) : data.user_names[explanation.user])
      << ": " << personas << " persona(s), "
      << explanation.history.size() << " training items\n\nrecommendations (persona with the highest attention, weight):\n";
  for (std::size_t i = 0; i < explanation.recommendations.size(); ++i) {
    const Explained& e = explanation.recommendations[i];
    out << fmt::format("{:3}. persona {} ({:.2f})  score {:7.3f}  ", i + 1, e.persona + 1, e.weight, e.score)
        << name(e.item) << "\n";
    for (const auto& [item, share] : e.because) out << fmt::format("       because of ({:.2f}) ", share) << name(item) << "\n";
  }
  for (int k = 0; k < personas; ++k) {
    out << "\npersona " << k + 1 << " alone (u_k . v_j + b_j):\n";
    for (const Explained& e : explanation.per_persona[k]) out << "     " << name(e.item) << "\n";
  }
  out << "\ntraining items by dominant persona:\n";
  for (int k = 0; k < personas; ++k) {
    std::vector<const Explained*> mine;
    for (const Explained& e : explanation.history)
      if (e.persona == k) mine.push_back(&e);
    out << "  persona " << k + 1 << " (" << mine.size() << " items):\n";
    for (const Explained* e : mine) {
      out << fmt::format("     ({:.2f}) ", e->weight) << name(e->item) << "\n";
    }
  }
  return out.str();
}

void WriteExplanation(const std::string& path, const Explanation& explanation, const Dataset& data, int personas) {
  auto columns = [&](const std::vector<Explained>& list, std::vector<std::int64_t>& items, std::vector<double>& scores,
                     std::vector<std::int64_t>& persona, std::vector<double>& weight) {
    for (const Explained& e : list) {
      items.push_back(data.item_ids[e.item]);
      scores.push_back(e.score);
      persona.push_back(e.persona);
      weight.push_back(e.weight);
    }
  };
  h5::WriteAtomically(path, [&](hid_t file) {
    h5::WriteAttribute(file, "format", std::string("ampcf-explanation"));
    h5::WriteAttribute(file, "user", data.user_ids[explanation.user]);
    if (!data.user_names.empty()) h5::WriteAttribute(file, "user_name", data.user_names[explanation.user]);
    auto names_of = [&](hid_t group, const std::vector<Explained>& list) {
      if (data.item_names.empty()) return;
      std::vector<std::string> names;
      for (const Explained& e : list) names.push_back(data.item_names[e.item]);
      h5::WriteLines(group, "item_names", names);
    };
    const bool named = !data.item_names.empty();
    h5::WriteAttribute(file, "personas", std::int64_t{personas});
    {
      std::vector<std::int64_t> items, persona;
      std::vector<double> scores, weight;
      columns(explanation.recommendations, items, scores, persona, weight);
      h5::Handle group = h5::CreateGroup(file, "recommendations");
      h5::WriteInts(group.get(), "items", items.data(), {items.size()});
      h5::WriteDoubles(group.get(), "scores", scores.data(), {scores.size()});
      h5::WriteInts(group.get(), "persona", persona.data(), {persona.size()});
      h5::WriteDoubles(group.get(), "weight", weight.data(), {weight.size()});
      names_of(group.get(), explanation.recommendations);
      const auto& list = explanation.recommendations;
      if (std::any_of(list.begin(), list.end(), [](const Explained& e) { return !e.because.empty(); })) {
        std::vector<std::int64_t> because(list.size() * kBecauseItems, -1);
        std::vector<double> share(list.size() * kBecauseItems, 0.0);
        std::vector<std::string> because_names(named ? list.size() * kBecauseItems : 0);
        for (std::size_t i = 0; i < list.size(); ++i)
          for (std::size_t k = 0; k < list[i].because.size() && k < kBecauseItems; ++k) {
            const std::int32_t item = list[i].because[k].first;
            because[i * kBecauseItems + k] = data.item_ids[item];
            share[i * kBecauseItems + k] = list[i].because[k].second;
            if (named) because_names[i * kBecauseItems + k] = data.item_names[item];
          }
        const std::vector<hsize_t> shape = {list.size(), static_cast<hsize_t>(kBecauseItems)};
        h5::WriteInts(group.get(), "because_items", because.data(), shape);
        h5::WriteDoubles(group.get(), "because_share", share.data(), shape);
        if (named) h5::WriteLines(group.get(), "because_item_names", because_names);
      }
    }
    {
      std::vector<std::int64_t> items, persona;
      std::vector<double> scores, weight;
      for (const auto& list : explanation.per_persona) columns(list, items, scores, persona, weight);
      const hsize_t width = explanation.per_persona.empty() ? 0 : explanation.per_persona[0].size();
      h5::Handle group = h5::CreateGroup(file, "personas");
      h5::WriteInts(group.get(), "items", items.data(), {static_cast<hsize_t>(personas), width});
      h5::WriteDoubles(group.get(), "scores", scores.data(), {static_cast<hsize_t>(personas), width});
      std::vector<Explained> all;
      for (const auto& list : explanation.per_persona) all.insert(all.end(), list.begin(), list.end());
      names_of(group.get(), all);
    }
    {
      std::vector<std::int64_t> items, persona;
      std::vector<double> scores, weight;
      columns(explanation.history, items, scores, persona, weight);
      h5::Handle group = h5::CreateGroup(file, "history");
      h5::WriteInts(group.get(), "items", items.data(), {items.size()});
      h5::WriteInts(group.get(), "persona", persona.data(), {persona.size()});
      h5::WriteDoubles(group.get(), "weight", weight.data(), {weight.size()});
      names_of(group.get(), explanation.history);
    }
  });
}

}  // namespace ampcf
