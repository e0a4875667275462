"""caffe2.python.gradient_checker: finite differences against an op's gradient ops."""
import numpy as np

from c2rt import core, workspace
from c2rt.proto import caffe2_pb2


class GradientChecker(object):
    """Checks one op's analytic gradient against central differences of the loss
    L = 0.5 * sum(y**2) over the outputs with gradients (whose gradient y is fed as y_grad).

    It works in its own workspace (workspace_name, created if needed and reset afterwards) and
    passes when np.isclose(grad, estimate, atol=threshold, rtol=threshold) holds everywhere."""

    def __init__(self, stepsize, threshold, device_option=None, workspace_name="gradient_check",
                 input_device_options=None):
        self._stepsize = stepsize
        self._threshold = threshold
        self._device_option = device_option or caffe2_pb2.DeviceOption()
        self._workspace_name = workspace_name
        self._input_device_options = input_device_options or {}

    def GetLossAndGrad(self, op, grad_ops, x, input_name, grad_name, outputs_with_grads):
        workspace.FeedBlob(input_name, x, self._device_option)
        workspace.RunOperatorOnce(op)
        loss = 0.
        for idx in outputs_with_grads:
            name = op.output[idx]
            arr = workspace.FetchBlob(name)
            loss += (arr ** 2).sum()
            workspace.FeedBlob(name + "_grad", arr, self._device_option)
        loss /= 2.
        workspace.RunOperatorsOnce(grad_ops)
        if isinstance(grad_name, core.GradientSlice):
            raise ValueError("sparse gradients are not supported by c2rt")
        return loss, workspace.FetchBlob(grad_name)

    def CheckSimple(self, op, inputs, input_to_check, outputs_with_grads, grad_ops=None,
                    input_device_options=None):
        """Returns (ok, analytic gradient, numeric estimate) for input `input_to_check` of `op`.
        The input array is perturbed in place (in its own dtype) and restored."""
        input_device_options = input_device_options or self._input_device_options
        old_ws_name = workspace.CurrentWorkspace()
        if self._workspace_name != old_ws_name:
            workspace.SwitchWorkspace(self._workspace_name, True)
        try:
            op.device_option.CopyFrom(self._device_option)
            if grad_ops is None:
                grad_ops, g_input = core.GradientRegistry.GetGradientForOp(
                    op, [s + "_grad" for s in op.output])
            else:
                _, g_input = core.GradientRegistry.GetGradientForOp(
                    op, [s + "_grad" for s in op.output])
            for i, arr in enumerate(inputs):
                workspace.FeedBlob(op.input[i], arr,
                                   input_device_options.get(op.input[i], self._device_option))
            x = inputs[input_to_check]
            input_name = op.input[input_to_check]
            grad_name = g_input[input_to_check]
            if grad_name is None:
                raise ValueError("%s has no gradient for input %d ('%s')"
                                 % (op.type, input_to_check, input_name))
            loss, grad = self.GetLossAndGrad(op, grad_ops, x, input_name, grad_name,
                                             outputs_with_grads)
            grad_estimate = np.zeros_like(x)
            if grad_estimate.shape != grad.shape:
                raise Exception("Mismatched gradient shapes: estimated ({}), grad ({})".format(
                    grad_estimate.shape, grad.shape))
            for current_dim in range(x.size):
                x.flat[current_dim] += self._stepsize
                pos_loss, _ = self.GetLossAndGrad(op, grad_ops, x, input_name, grad_name,
                                                  outputs_with_grads)
                x.flat[current_dim] -= self._stepsize * 2
                neg_loss, _ = self.GetLossAndGrad(op, grad_ops, x, input_name, grad_name,
                                                  outputs_with_grads)
                x.flat[current_dim] += self._stepsize
                grad_estimate.flat[current_dim] = (pos_loss - neg_loss) / self._stepsize / 2
            fail_mat = ~np.isclose(grad, grad_estimate, atol=self._threshold,
                                   rtol=self._threshold)
            if np.any(fail_mat):
                idx = np.flatnonzero(fail_mat)
                print("Failed. [idx, grad, grad_estimate] are:")
                print(np.vstack([idx, grad.flat[idx], grad_estimate.flat[idx]]).T)
                ret = False
            else:
                ret = True
        finally:
            if self._workspace_name != old_ws_name:
                workspace.ResetWorkspace()
                workspace.SwitchWorkspace(old_ws_name)
        return ret, grad, grad_estimate
