// Every layer in one include. Add a line here for each new layer header.
#pragma once

#include "layers/module.h"

#include "layers/activation.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/flatten.h"
#include "layers/init.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/loss.h"
#include "layers/rms_norm.h"
#include "layers/transformer_layers.h"
