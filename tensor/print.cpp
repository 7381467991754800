// PENDING
#include <ostream>
#include "tensor/tensor.h"
namespace heed {
std::string Tensor::str() const { return "Tensor"; }
std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.str(); }
}
