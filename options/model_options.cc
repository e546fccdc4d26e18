#include "options/model_options.h"

namespace ampcf {

void AddModelOptions(CLI::App& app, const std::vector<OptionSpec>& specs, ModelOptionValues& values,
                     const std::string& group) {
  for (const OptionSpec& spec : specs) {
    if (values.Find(spec.name) == nullptr) values.Set(spec.name, spec.default_text);
    std::string& value = values[spec.name];  // a map's element: it stays where it is
    if (spec.is_switch) {
      app.add_flag_function(
             spec.flags, [&value](std::int64_t count) { value = count > 0 ? "1" : "0"; },
             spec.help + (spec.default_text == "1" ? " (on unless --" + spec.name + "=false)" : ""))
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
          ->group(group);
    } else {
      app.add_option(spec.flags, value, spec.help)
          ->transform(spec.check)  // a transform: the check also rewrites the text canonically
          ->type_name(spec.type_name)
          ->default_str(spec.default_text)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
          ->group(group);
    }
  }
}

}  // namespace ampcf
