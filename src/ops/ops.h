/* Registration functions of the built-in op families, listed once in builtin.c. */
#ifndef C2_OPS_OPS_H
#define C2_OPS_OPS_H

#include "c2rt/registry.h"

c2_status c2_register_lrn_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_random_fill_ops(c2_registry *reg, c2_error *err); /* Uniform/Gaussian/XavierFill */
c2_status c2_register_add_ops(c2_registry *reg, c2_error *err);         /* Add, AddGradient */
c2_status c2_register_training_ops(c2_registry *reg, c2_error *err); /* StopGradient, Iter, LearningRate */
c2_status c2_register_conv_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_pool_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_softmax_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_dropout_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_concat_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_given_tensor_fill_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_fill_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_relu_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_sum_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_copy_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_scale_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_distance_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_loss_ops(c2_registry *reg, c2_error *err);
c2_status c2_register_fc_ops(c2_registry *reg, c2_error *err);

/* Reads the `order` argument ("NCHW"/"nchw" -> false, "NHWC"/"nhwc" -> true; default NCHW). */
c2_status c2__parse_order(const c2_opdef *def, bool *nhwc, c2_error *err);

#endif
