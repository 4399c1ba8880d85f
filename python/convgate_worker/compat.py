"""Documented workarounds that let a stack's packages import at all (docs/stacks.md).

torchvision's compiled operators (_C.so) are built against one exact torch build. When they do
not load -- the only torchvision wheel for torch 2.13.0+cpu on the machines convgate targets is a
CUDA build whose _C.so links libtorch_cuda.so -- `import torchvision` fails while registering
fake kernels ("operator torchvision::nms does not exist"), and transformers and timm fail with it.

`prepare_torchvision()` then defines torchvision's operator *schemas* (no kernels) with
torch.library before anything imports torchvision. Every pure-Python model (classifiers,
segmentation, video, ViT/Swin/MaxViT, timm, transformers) builds and runs as usual; the operators
themselves (nms, roi_align, ...) have no kernel, so models that call them (detection) fail at
reference time -- the worker reports the package `torchvision-ops` as missing and such cases
declare `"requires": {"torchvision-ops": "*"}`, so they are `unsupported` instead.
"""
import glob
import importlib.machinery
import importlib.util
import os

SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width,"
    " int sampling_ratio, bool aligned) -> Tensor",
    "_roi_align_backward(Tensor grad, Tensor rois, float spatial_scale, SymInt pooled_height,"
    " SymInt pooled_width, SymInt batch_size, SymInt channels, SymInt height, SymInt width,"
    " int sampling_ratio, bool aligned) -> Tensor",
    "qroi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width,"
    " int sampling_ratio, bool aligned) -> Tensor",
    "roi_pool(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width)"
    " -> (Tensor, Tensor)",
    "_roi_pool_backward(Tensor grad, Tensor rois, Tensor argmax, float spatial_scale, SymInt pooled_height,"
    " SymInt pooled_width, SymInt batch_size, SymInt channels, SymInt height, SymInt width) -> Tensor",
    "ps_roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width,"
    " int sampling_ratio) -> (Tensor, Tensor)",
    "_ps_roi_align_backward(Tensor grad, Tensor rois, Tensor channel_mapping, float spatial_scale,"
    " SymInt pooled_height, SymInt pooled_width, int sampling_ratio, SymInt batch_size, SymInt channels,"
    " SymInt height, SymInt width) -> Tensor",
    "ps_roi_pool(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width)"
    " -> (Tensor, Tensor)",
    "_ps_roi_pool_backward(Tensor grad, Tensor rois, Tensor channel_mapping, float spatial_scale,"
    " SymInt pooled_height, SymInt pooled_width, SymInt batch_size, SymInt channels, SymInt height,"
    " SymInt width) -> Tensor",
    "deform_conv2d(Tensor input, Tensor weight, Tensor offset, Tensor mask, Tensor bias, SymInt stride_h,"
    " SymInt stride_w, SymInt pad_h, SymInt pad_w, SymInt dilation_h, SymInt dilation_w, SymInt groups,"
    " SymInt offset_groups, bool use_mask) -> Tensor",
    "_deform_conv2d_backward(Tensor grad, Tensor input, Tensor weight, Tensor offset, Tensor mask,"
    " Tensor bias, SymInt stride_h, SymInt stride_w, SymInt pad_h, SymInt pad_w, SymInt dilation_h,"
    " SymInt dilation_w, SymInt groups, SymInt offset_groups, bool use_mask)"
    " -> (Tensor, Tensor, Tensor, Tensor, Tensor)",
)

_library = None  # keeps the torch.library.Library alive (dropping it unregisters the schemas)
_state = (False, None)  # what prepare_torchvision() found: (ops loaded, workaround note)


def _extension(package_dir):
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        found = glob.glob(os.path.join(package_dir, "_C" + suffix))
        if found:
            return found[0]
    return None


def _load_error(so):
    """The dynamic loader's own reason (torch only says "Could not load this library"), without
    the machine's folders: e.g. "libtorch_cuda.so: cannot open shared object file"."""
    import ctypes

    try:
        ctypes.CDLL(so)
        return None
    except OSError as exc:
        return str(exc).replace(os.path.dirname(so) + os.sep, "").splitlines()[0][:300]


def torchvision_ops_loaded():
    return _state[0]


def torchvision_note():
    return _state[1]


def prepare_torchvision():
    """Returns (ops_available, workaround_note_or_None). Call before anything imports torchvision."""
    global _state
    _state = _prepare_torchvision()
    return _state


def _prepare_torchvision():
    global _library
    import torch

    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False, None
    package_dir = list(spec.submodule_search_locations)[0]
    so = _extension(package_dir)
    if so is None:
        reason = "no compiled extension _C in %s" % package_dir
    else:
        try:
            torch.ops.load_library(so)
            return True, None
        except (OSError, RuntimeError) as exc:
            reason = _load_error(so) or str(exc).splitlines()[0][:300]
    if not hasattr(torch, "library") or not hasattr(torch.library, "Library"):
        return False, "torchvision's compiled operators do not load (%s); no workaround on this torch" % reason
    _library = torch.library.Library("torchvision", "DEF")
    for schema in SCHEMAS:
        _library.define(schema)
    return False, (
        "torchvision's compiled operators do not load against torch %s (%s): their schemas are "
        "defined without kernels so torchvision, timm and transformers import; models calling "
        "torchvision::nms/roi_align/... need the missing package torchvision-ops" % (torch.__version__, reason)
    )
