// A new LoRA adapter for training, initialised as PEFT does.
#pragma once
#include <cstdint>

#include "model/lora_adapter.h"

namespace clinote {

// For each layer and target: A {rank, n_in} from U(-1/√n_in, 1/√n_in) (PEFT's
// kaiming_uniform_(a=√5), whose bound gain·√(3/fan_in) with gain √(2/(1+5)) is 1/√n_in) and
// B {n_out, rank} zero, so the adapted model starts equal to the base. modules_to_save
// (train_embeddings / train_output) start as F32 copies of the model's embedding table /
// output head (the head's copy is taken even when the head is tied to the embeddings, as
// PEFT copies lm_head). Values come from a counter-based generator of `seed`, so the same
// seed gives the same adapter on every machine. Throws clinote::error for a bad config.
lora_adapter lora_adapter_create(const model& m, const lora_config& cfg, uint64_t seed);

// Throws clinote::error naming the field for rank < 1, alpha <= 0, dropout outside [0, 1),
// or nothing to train.
void lora_config_check(const lora_config& cfg);

}  // namespace clinote
