// AMP-CF's own options (`ampcf train --model amp-cf --help`); its recipe is ampcf's shared
// defaults, so it changes none of them.
#pragma once

#include "options/model_options.h"

namespace ampcf {

#define AMPCF_AMP_OPTIONS(X)                                                                                  \
  X(int, personas, "--personas,-r", 2, AtLeast(1), "personas r per user (r=1 is matrix factorisation)")      \
  X(int, att_dim, "--att-dim", 64, AtLeast(1), "attention dimension da (A_u, A_v are d x da)")              \
  X(double, alpha, "--alpha", 1.0, Within(0, 1), "weight of the sampled-softmax loss; 1-alpha weighs the entropy terms") \
  X(double, lambda_p, "--lambda-p", 1.0, AtLeast(0), "weight of the attention entropy on positives (minimised)") \
  X(double, lambda_n, "--lambda-n", 1.0, AtLeast(0), "weight of the attention entropy on negatives (maximised)") \
  X(double, persona_tie, "--persona-tie", 0.03, AtLeast(0),                                                  \
    "(tie/2) sum_k ||u_ik - mean persona||^2 in the loss of each positive: pulls a user's personas together " \
    "where the data do not hold them apart (0: off; large: MF)")                                             \
  X(double, persona_tie_power, "--persona-tie-power", 0.0, AtLeast(0),                                       \
    "scales each positive's tie by (mean history / the user's history)^power: 0 ties every positive alike, " \
    "1 gives every user the same total tie (a prior per user)")                                              \
  X(double, hard_negatives, "--hard-negatives", 0.0, AtLeast(0),                                            \
    "h: each negative's term of the sampled softmax weighs |N| softmax(h * score) over the negatives, so "    \
    "negatives the model scores high count more (REMI's hard negatives; 0: off)")                            \
  X(double, att_l2, "--att-l2", 0.0, AtLeast(0), "L2 penalty on the attention maps A_u, A_v (applied at every step)") \
  X(double, att_lr_scale, "--att-lr-scale", 0.01, Positive(),                                                \
    "the attention maps A_u, A_v learn at --lr times this (smaller: softer attention for longer)")           \
  X(double, persona_spread, "--persona-spread", 0.5, Within(0, 1),                                           \
    "initial personas: sqrt(1-s^2)*base + s*noise per user (1: independent; smaller: variations of one vector)") \
  X(double, att_init_scale, "--att-init-scale", 0.25, Positive(),                                            \
    "A_u and A_v start as N(0, (scale/sqrt(d))^2): larger values start with sharper persona attention")      \
  X(double, att_init_identity, "--att-init-identity", 0.0, AtLeast(0),                                       \
    "add this times the identity to the initial A_u, A_v: attention then starts by favouring the persona "   \
    "that scores the item highest")

AMPCF_OPTION_STRUCT(AmpOptions, AMPCF_AMP_OPTIONS)

}  // namespace ampcf
