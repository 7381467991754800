#include "data/captioned_images.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "tensor/error.h"
#include "tensor/ops.h"

namespace heed::data {
namespace {

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// ids[t][k]: template t filled with class k, encoded.
std::vector<std::vector<std::vector<std::int64_t>>> encoded_captions(const Vocab& vocab,
                                                                     const std::vector<std::string>& class_names) {
  std::vector<std::vector<std::vector<std::int64_t>>> ids(kCaptionTemplates.size());
  for (std::size_t t = 0; t < kCaptionTemplates.size(); ++t)
    for (const std::string& name : class_names)
      ids[t].push_back(vocab.encode(caption_words(static_cast<std::int64_t>(t), name)));
  return ids;
}

}  // namespace

std::vector<std::string> class_words(const std::string& class_name) {
  std::string text = class_name;
  for (char& c : text) c = c == '/' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return split_words(text);
}

std::vector<std::string> caption_words(std::int64_t template_index, const std::string& class_name) {
  HEED_CHECK(template_index >= 0 && template_index < static_cast<std::int64_t>(kCaptionTemplates.size()),
             "caption_words: template ", template_index, " does not exist; expected 0..", kCaptionTemplates.size() - 1);
  std::vector<std::string> words;
  for (const std::string& word : split_words(std::string(kCaptionTemplates[static_cast<std::size_t>(template_index)]))) {
    if (word != "{}") {
      words.push_back(word);
      continue;
    }
    const std::vector<std::string> name = class_words(class_name);
    words.insert(words.end(), name.begin(), name.end());
  }
  return words;
}

Vocab caption_vocab(const std::vector<std::string>& class_names) {
  Vocab vocab;
  for (const std::string_view line : kCaptionTemplates)
    for (const std::string& word : split_words(std::string(line)))
      if (word != "{}") vocab.add(word);
  for (const std::string& name : class_names)
    for (const std::string& word : class_words(name)) vocab.add(word);
  return vocab;
}

CaptionedDataset caption_images(const ImageDataset& images, const CaptionOptions& options) {
  const std::int64_t classes = images.num_classes();
  HEED_CHECK(classes >= 2, "caption_images: the data set has ", classes,
             " class names; a wrong caption needs at least two classes");
  HEED_CHECK(options.wrong_rate >= 0.0 && options.wrong_rate <= 1.0, "caption_images: wrong_rate is ",
             options.wrong_rate, "; expected a probability in [0, 1]");
  HEED_CHECK(images.labels.defined() && images.labels.dim() == 1, "caption_images: the data set has no (N) labels");

  CaptionedDataset result{images, caption_vocab(images.class_names), Tensor(), Tensor()};
  const auto ids = encoded_captions(result.vocab, images.class_names);
  std::size_t length = 0;
  for (const auto& per_class : ids)
    for (const auto& caption : per_class) length = std::max(length, caption.size());

  const std::int64_t count = images.size();
  const auto labels = images.labels.to_vector<std::int64_t>();
  std::vector<std::int64_t> captions(static_cast<std::size_t>(count) * length, Vocab::kPad);
  std::vector<std::int64_t> named(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t label = labels[static_cast<std::size_t>(i)];
    HEED_CHECK(label >= 0 && label < classes, "caption_images: example ", i, " has the label ", label,
               " but there are ", classes, " class names");
    Generator gen = example_generator(options.seed, options.stream, i);
    const std::int64_t template_index = gen.randint(0, static_cast<std::int64_t>(kCaptionTemplates.size()));
    const bool lies = gen.uniform() < options.wrong_rate;
    std::int64_t other = gen.randint(0, classes - 1);
    if (other >= label) ++other;  // uniform over the classes that are not the label
    const std::int64_t named_class = lies ? other : label;
    named[static_cast<std::size_t>(i)] = named_class;
    const auto& caption = ids[static_cast<std::size_t>(template_index)][static_cast<std::size_t>(named_class)];
    std::copy(caption.begin(), caption.end(), captions.begin() + static_cast<std::ptrdiff_t>(i * length));
  }
  result.captions = from_vector(captions, {count, static_cast<std::int64_t>(length)});
  result.named_classes = from_vector(named, {count});
  return result;
}

CaptionedLoader::CaptionedLoader(const CaptionedDataset& dataset, std::int64_t batch_size, bool shuffle,
                                 std::uint64_t seed, std::int64_t augment_shift_pixels)
    : images_(dataset.images, batch_size, shuffle, seed, augment_shift_pixels),
      captions_(dataset.captions),
      named_classes_(dataset.named_classes) {
  HEED_CHECK(captions_.defined() && captions_.dim() == 2 && captions_.size(0) == dataset.size() &&
                 named_classes_.defined() && named_classes_.size(0) == dataset.size(),
             "CaptionedLoader: expected (N, L) captions and (N) named classes for N = ", dataset.size(),
             " images; build the data set with caption_images()");
}

CaptionedBatch CaptionedLoader::with_captions(const ImageBatch& batch) const {
  const Tensor rows = from_vector(batch.example_indices, {batch.size()});
  return {batch.images, batch.labels, ops::index_select(captions_, 0, rows),
          ops::index_select(named_classes_, 0, rows), batch.example_indices};
}

CaptionedBatch CaptionedLoader::next() { return with_captions(images_.next()); }

CaptionedBatch CaptionedLoader::batch(std::int64_t index) const { return with_captions(images_.batch(index)); }

}  // namespace heed::data
