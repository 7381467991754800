// Captioned images: the caption words and vocabulary, the share of lying captions, labels that
// stay true, determinism per seed and example, and the loader's batches and resume.
#include "helpers.h"

#include <set>

#include "data/captioned_images.h"

using namespace heed;
using namespace heed::data;

namespace {

// n blank 1 x 2 x 2 images labelled i % 10, with Fashion-MNIST's class names.
ImageDataset blank_images(std::int64_t n) {
  std::vector<std::int64_t> labels;
  for (std::int64_t i = 0; i < n; ++i) labels.push_back(i % 10);
  return {zeros({n, 1, 2, 2}), from_vector(labels, {n}), fashion_mnist_class_names()};
}

std::vector<std::int64_t> row(const Tensor& t, std::int64_t i) { return select(t, 0, i).to_vector<std::int64_t>(); }

}  // namespace

TEST_CASE("captions are words of a template and a class name, all in the vocabulary", "[data][captioned]") {
  CHECK(class_words("Ankle boot") == std::vector<std::string>{"ankle", "boot"});
  CHECK(class_words("T-shirt/top") == std::vector<std::string>{"t-shirt", "top"});
  CHECK(caption_words(0, "Sneaker") == std::vector<std::string>{"a", "photo", "of", "the", "sneaker"});
  CHECK(caption_words(1, "Ankle boot") == std::vector<std::string>{"this", "is", "the", "ankle", "boot"});
  CHECK_THROWS_WITH(caption_words(9, "Bag"), Catch::Contains("template 9"));

  const Vocab vocab = caption_vocab(fashion_mnist_class_names());
  CHECK(vocab.token(Vocab::kNumSpecials) == "a");  // the first template's first word
  for (std::int64_t t = 0; t < static_cast<std::int64_t>(kCaptionTemplates.size()); ++t)
    for (const std::string& name : fashion_mnist_class_names())
      for (const std::string& word : caption_words(t, name)) CHECK(vocab.contains(word));
  // Nothing else: the specials, 11 distinct template words and 12 class words.
  CHECK(vocab.size() == 4 + 11 + 12);
}

TEST_CASE("about p of the captions name a wrong class; the labels stay the true classes", "[data][captioned]") {
  const ImageDataset images = blank_images(20000);
  const CaptionedDataset captioned = caption_images(images, {.wrong_rate = 0.3, .seed = 5});
  REQUIRE(captioned.captions.shape() == Shape({20000, 6}));  // the longest: "a picture showing the ankle boot"
  REQUIRE(captioned.named_classes.shape() == Shape({20000}));
  REQUIRE(captioned.images.labels.to_vector<std::int64_t>() == images.labels.to_vector<std::int64_t>());
  const auto labels = images.labels.to_vector<std::int64_t>();
  const auto named = captioned.named_classes.to_vector<std::int64_t>();
  std::int64_t wrong = 0;
  std::vector<std::int64_t> wrong_as(10, 0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (named[i] == labels[i]) continue;
    ++wrong;
    ++wrong_as[static_cast<std::size_t>(named[i])];
  }
  // The share of lies is 0.3 within 4.5 standard deviations (sqrt(0.3 * 0.7 / 20000) = 0.0032).
  CHECK(static_cast<double>(wrong) / 20000.0 == Approx(0.3).margin(0.015));
  // Wrong classes spread over all classes (each about 600).
  for (const std::int64_t count : wrong_as) CHECK((count > 450 && count < 750));

  // Each caption decodes to a template filled with the class it names.
  const std::vector<std::string> names = fashion_mnist_class_names();
  for (std::int64_t i = 0; i < 50; ++i) {
    const auto words = captioned.vocab.decode(row(captioned.captions, i));
    bool matches_a_template = false;
    for (std::int64_t t = 0; t < static_cast<std::int64_t>(kCaptionTemplates.size()); ++t)
      matches_a_template |= words == caption_words(t, names[static_cast<std::size_t>(named[static_cast<std::size_t>(i)])]);
    INFO("example " << i);
    CHECK(matches_a_template);
  }

  const auto always_right = caption_images(images, {.wrong_rate = 0.0}).named_classes.to_vector<std::int64_t>();
  CHECK(always_right == labels);
  const auto always_wrong = caption_images(images, {.wrong_rate = 1.0}).named_classes.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < labels.size(); ++i) REQUIRE(always_wrong[i] != labels[i]);
}

TEST_CASE("captions are a function of (seed, stream, example index) alone", "[data][captioned]") {
  const ImageDataset images = blank_images(300);
  const CaptionedDataset a = caption_images(images, {.seed = 1});
  const CaptionedDataset b = caption_images(images, {.seed = 1});
  REQUIRE(a.captions.to_vector<std::int64_t>() == b.captions.to_vector<std::int64_t>());
  REQUIRE(a.named_classes.to_vector<std::int64_t>() == b.named_classes.to_vector<std::int64_t>());
  CHECK(caption_images(images, {.seed = 2}).captions.to_vector<std::int64_t>() != a.captions.to_vector<std::int64_t>());
  CHECK(caption_images(images, {.seed = 1, .stream = 1}).captions.to_vector<std::int64_t>() !=
        a.captions.to_vector<std::int64_t>());
  // The first 100 examples get the same captions in a set of 100 as in the set of 300.
  ImageDataset first = images;
  first.images = narrow(images.images, 0, 0, 100);
  first.labels = narrow(images.labels, 0, 0, 100);
  REQUIRE(caption_images(first, {.seed = 1}).captions.to_vector<std::int64_t>() ==
          narrow(a.captions, 0, 0, 100).to_vector<std::int64_t>());
}

TEST_CASE("caption_images refuses a bad rate or a single class", "[data][captioned][errors]") {
  const ImageDataset images = blank_images(10);
  CHECK_THROWS_WITH(caption_images(images, {.wrong_rate = 1.5}),
                    Catch::Contains("wrong_rate is 1.5") && Catch::Contains("[0, 1]"));
  ImageDataset one_class = images;
  one_class.class_names = {"Bag"};
  CHECK_THROWS_WITH(caption_images(one_class, {}), Catch::Contains("at least two classes"));
}

TEST_CASE("CaptionedLoader: batches carry their own captions and resume exactly", "[data][captioned]") {
  ImageDataset images = blank_images(50);
  std::vector<float> pixels(50 * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<float>(i / 4);  // image i is all i
  images.images = from_vector(pixels, {50, 1, 2, 2});
  const CaptionedDataset captioned = caption_images(images, {.seed = 3});
  CaptionedLoader loader(captioned, 16, /*shuffle=*/true, 9);
  REQUIRE(loader.num_batches() == 4);
  const CaptionedBatch batch = loader.next();
  REQUIRE(batch.images.shape() == Shape({16, 1, 2, 2}));
  REQUIRE(batch.captions.shape() == Shape({16, captioned.caption_length()}));
  REQUIRE(batch.named_classes.shape() == Shape({16}));
  std::set<std::int64_t> rows;
  for (std::int64_t b = 0; b < batch.size(); ++b) {
    const std::int64_t i = batch.example_indices[static_cast<std::size_t>(b)];
    rows.insert(i);
    CHECK(row(batch.captions, b) == row(captioned.captions, i));
    CHECK(batch.named_classes.to_vector<std::int64_t>()[static_cast<std::size_t>(b)] ==
          captioned.named_classes.to_vector<std::int64_t>()[static_cast<std::size_t>(i)]);
    CHECK(batch.images.to_vector<double>()[static_cast<std::size_t>(4 * b)] == static_cast<double>(i));
  }
  CHECK(rows.size() == 16);

  // Save after 5 batches (one epoch and one), restore in a fresh loader: the same batches follow.
  for (int i = 0; i < 4; ++i) loader.next();
  const LoaderState saved = loader.state();
  CHECK(saved == LoaderState{1, 1});
  const CaptionedBatch expected = loader.next();
  CaptionedLoader resumed(captioned, 16, true, 9);
  resumed.set_state(saved);
  const CaptionedBatch got = resumed.next();
  CHECK(got.example_indices == expected.example_indices);
  CHECK(got.captions.to_vector<std::int64_t>() == expected.captions.to_vector<std::int64_t>());
}
