// Everything autograd offers: the differentiable functions, no_grad, gradcheck.
#pragma once

#include "autograd/anomaly.h"
#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/node.h"
