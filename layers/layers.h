// Every layer in one include. Add a line here for each new layer header.
#pragma once

#include "layers/module.h"

#include "layers/activation.h"
#include "layers/batch_norm2d.h"
#include "layers/conv2d.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/flatten.h"
#include "layers/init.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/loss.h"
#include "layers/pooling.h"
#include "layers/rms_norm.h"
#include "layers/transformer_layers.h"

#include "layers/recurrent/gru_cell.h"
#include "layers/recurrent/lstm_cell.h"
#include "layers/recurrent/rnn.h"
#include "layers/recurrent/rnn_cell.h"

#include "layers/attention/registry.h"
#include "layers/attention/sequence_attention.h"
#include "layers/attention/transformer_attention.h"
#include "layers/attention/transformer_registry.h"
#include "layers/position/grid_position.h"
#include "layers/position/positional_encoding.h"
#include "layers/position/registry.h"
#include "layers/vision/registry.h"
#include "layers/vision/vision_attention.h"

#include "layers/models/cnn_classifier.h"
#include "layers/models/seq2seq.h"
#include "layers/models/transformer.h"
#include "layers/models/translation_model.h"
#include "layers/models/vit.h"
