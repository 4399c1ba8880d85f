"""torch.onnx.export (TorchScript-based exporter), the converter under test by default."""
import torch

NAME = "torch.onnx"


def describe():
    from torch.onnx import _constants

    return {
        "name": NAME,
        "version": torch.__version__,
        "module": torch.onnx.__file__,
        "defaultOpset": getattr(_constants, "ONNX_DEFAULT_OPSET", None),
    }


def supported_opsets():
    from torch.onnx import _constants

    return (getattr(_constants, "ONNX_MIN_OPSET", 7), getattr(_constants, "ONNX_MAX_OPSET", 17))


def dynamic_axes(settings):
    """JSON object keys are strings; torch wants {input_name: {axis_int: axis_name}}."""
    axes = settings.get("dynamicAxes") or None
    if not axes:
        return None
    return {name: {int(axis): label for axis, label in dims.items()} if isinstance(dims, dict) else list(dims)
            for name, dims in axes.items()}


def export(model, args, path, settings):
    # Called the way users call it: no torch.no_grad() around it (under no_grad, eval-mode
    # nn.MultiheadAttention takes a fused kernel the TorchScript exporter cannot convert).
    torch.onnx.export(
        model,
        tuple(args),
        path,
        opset_version=settings["opset"],
        input_names=settings["inputNames"],
        output_names=settings["outputNames"],
        dynamic_axes=dynamic_axes(settings),
        do_constant_folding=settings.get("constantFolding", True),
    )
