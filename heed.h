// heed: one include for programs that use the library.
#pragma once

#include "autograd/autograd.h"
#include "tensor/backend.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/tensor.h"
