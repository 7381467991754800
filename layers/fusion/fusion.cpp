#include "layers/fusion/fusion.h"

namespace heed {

void check_fusion_vectors(const char* fusion, const FusionInputs& inputs, std::int64_t image_dim,
                          std::int64_t text_dim) {
  const Tensor& image = inputs.image;
  const Tensor& text = inputs.text;
  HEED_CHECK(image.defined() && text.defined(), fusion, ": needs the image and the text vectors (FusionInputs::image, ",
             "FusionInputs::text)");
  HEED_CHECK(image.dim() == 2 && text.dim() == 2 && image.size(0) == text.size(0) && image.size(1) == image_dim &&
                 text.size(1) == text_dim,
             fusion, ": image ", shape_str(image.shape()), " and text ", shape_str(text.shape()), "; expected (B, ",
             image_dim, ") and (B, ", text_dim, ")");
}

}  // namespace heed
