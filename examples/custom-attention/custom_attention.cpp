// custom_attention: the translate driver plus one attention variant that heed
// does not ship, scaled cosine (scaled_cosine.h), added from outside heed's tree.
//
//   custom_attention                          train GRU + scaled-cosine on dates, briefly, and print the result
//   custom_attention --list                   translate's --list, now with scaled-cosine in it
//   custom_attention --task reverse --attention scaled-cosine --steps 2000    any translate flag
//
// The variant is registered by name at run time, so everything in heed that
// picks attention by name (the Seq2Seq model, the flags, --list) finds it with
// no change to heed. Before training, the program checks that --list names
// the variant, that compare's --all would sweep it, and that the layer's
// gradients are right, and fails when any is not so.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "experiments/lib/compare.h"
#include "experiments/lib/translate.h"
#include "layers/attention/registry.h"
#include "scaled_cosine.h"

namespace {

const char* const kName = "scaled-cosine";

// With no flags: a few hundred steps on the dates task, small splits, quick.
const std::vector<const char*> kDemoFlags = {
    "custom_attention", "--task", "dates", "--attention", kName, "--steps", "300", "--eval-every", "100",
    "--train-size", "3000", "--valid-size", "200", "--test-size", "300", "--samples", "1",
    "--name", "dates-scaled-cosine", "--overwrite"};

void register_scaled_cosine() {
  heed::register_sequence_attention(
      kName, "cosine of W q and k, sharpened by a learned scale; Henry 2020 on Luong's bilinear score",
      [](const heed::SequenceAttentionConfig& config, heed::Generator& gen) {
        return std::make_shared<ScaledCosineAttention>(config, gen);
      });
}

// The layer checked as heed's own layers are (autograd/gradcheck.h), on tiny
// float64 inputs with one padded key: the analytic gradient of the context and
// the weights matches central differences for the query, the keys, the values,
// W and log_scale, and the padded key gets exactly zero weight.
bool passes_gradient_check() {
  heed::Generator gen(1);
  const heed::SequenceAttentionConfig config{.query_dim = 4, .key_dim = 6, .dtype = heed::DType::Float64};
  ScaledCosineAttention attention(config, gen);
  const auto input = [&gen](const heed::Shape& shape) {
    heed::Tensor t = heed::uniform(shape, -1, 1, gen, heed::DType::Float64);
    t.requires_grad_();
    return t;
  };
  std::vector<heed::Tensor> inputs = {input({2, 4}), input({2, 5, 6}), input({2, 5, 3})};  // q, K, V
  for (const heed::Tensor& parameter : attention.parameters()) inputs.push_back(parameter);
  const heed::Tensor mask = heed::from_vector({1, 1, 1, 0, 1, 1, 1, 1, 1, 1}, {2, 5}, heed::DType::Float64);
  const heed::GradcheckResult result = heed::gradcheck(
      [&](const std::vector<heed::Tensor>& in) {
        const heed::AttentionResult read = attention.attend(in[0], in[1], in[2], mask);
        return heed::concat({read.context, read.weights}, 1);  // (B, Dv + Tk)
      },
      inputs);
  const double padded_weight = attention.attend(inputs[0], inputs[1], inputs[2], mask).weights.to_vector<double>()[3];
  std::cerr << "custom_attention: float64 gradient check of " << kName << ": "
            << (result.ok ? "passed" : "FAILED: " + result.message) << " (largest error " << result.max_abs_error
            << "); weight on the padded key " << padded_weight << "\n";
  return result.ok && padded_weight == 0.0;
}

// The line of translate's --list that names the variant; "" when none does.
std::string list_line_naming(const std::string& list, const std::string& name) {
  std::size_t start = 0;
  while (start < list.size()) {
    const std::size_t end = list.find('\n', start);
    const std::string line = list.substr(start, end - start);
    if (line.rfind("  " + name + " ", 0) == 0) return line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

int run(int argc, const char* const* argv) {
  register_scaled_cosine();
  const std::string list = heed::experiments::translate_list_text();
  const std::string line = list_line_naming(list, kName);
  if (line.empty()) {
    std::cerr << "custom_attention: translate's --list does not name '" << kName << "' after registering it:\n"
              << list;
    return 1;
  }

  const auto command = argc > 1 ? heed::experiments::parse_translate_command(argc, argv)
                                : heed::experiments::parse_translate_command(static_cast<int>(kDemoFlags.size()),
                                                                              kDemoFlags.data());
  if (command.help) {
    std::cout << command.help_text << "\n";
    return 0;
  }
  if (command.list) {
    std::cout << list;
    return 0;
  }
  std::cerr << "custom_attention: registered; translate --list shows:\n" << line << "\n";
  // `compare --all` takes the model's variants from the same registry (experiments/lib/compare.h),
  // so a sweep planned in this program would run the new variant with every other.
  const std::vector<std::string> swept = heed::experiments::variant_names("rnn");
  if (std::find(swept.begin(), swept.end(), kName) == swept.end()) {
    std::cerr << "custom_attention: compare --all for the RNN would leave out '" << kName << "'\n";
    return 1;
  }
  std::cerr << "custom_attention: compare --all for the RNN would run " << swept.size() << " variants, " << kName
            << " among them\n";
  if (!passes_gradient_check()) return 1;
  const heed::experiments::Json summary = heed::experiments::run_translate(command.config);
  std::cout << summary.dump() << std::endl;
  const auto percent = [&summary](const char* field) { return 100 * summary[field].get<double>(); };
  std::cerr << std::fixed << std::setprecision(1) << "custom_attention: " << summary["attention"].get<std::string>()
            << " on " << summary["task"].get<std::string>() << " after " << summary["steps"] << " steps: test exact match "
            << percent("test_exact_match") << "%, token accuracy " << percent("test_token_accuracy") << "%\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a bad flag, a refused configuration
    std::cerr << "custom_attention: " << e.what() << "\n";
    return 1;
  }
}
