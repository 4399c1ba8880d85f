"""transformers and timm architectures at CI sizes, built from configs with seeded random weights
(nothing is downloaded). Cases using these declare `requires` (transformers / timm), so they are
`unsupported` on stacks without those packages (the Debian stack).

Both packages initialise weights with std 0.02 (transformers' `initializer_range`), which at
these widths makes every attention/MLP block add ~1e-3 to the residual stream: a converter bug
inside a block would hide below the tolerance. Cases therefore raise `initializer_range` (HF) or
re-initialise with `trained_like` (timm), as in convgate_models.
"""
import torch
from torch import nn

from convgate_models import calibrate_batchnorm, trained_like


class HFModel(nn.Module):
    """A transformers model from a small config, behind a positional-tensor interface.

    `config` / `model` are transformers class names; `inputs` names the forward keyword each
    positional input binds to; `outputs` the fields of the model output returned (in order);
    `call` extra constant keywords (e.g. use_cache=False); `submodule` takes a part of the model
    (e.g. "encoder" of Whisper); `attn` sets the attention implementation ("eager", "sdpa")."""

    def __init__(self, config, model, config_kwargs, inputs=("input_ids",), outputs=("last_hidden_state",),
                 call=None, submodule=None, attn=None, lengths_to_mask=False):
        super().__init__()
        self.lengths_to_mask = lengths_to_mask
        import transformers

        cfg = getattr(transformers, config)(**config_kwargs)
        if attn is not None:
            cfg._attn_implementation = attn
        built = getattr(transformers, model)(cfg)
        self.model = getattr(built, submodule)() if submodule and callable(getattr(built, submodule)) else (
            getattr(built, submodule) if submodule else built)
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.call = dict(call or {})

    def forward(self, input_0, input_1=None, input_2=None):
        # Named parameters, as transformers models have (an exporter maps dynamic axes and input
        # names onto forward's signature); unused trailing ones stay None.
        args = [x for x in (input_0, input_1, input_2) if x is not None]
        if self.lengths_to_mask:
            # The last input holds sequence lengths; padding masks are built from them, as
            # serving code does ([B] lengths -> [B, T] 0/1 mask of the first input's length).
            *args, lengths = args
            steps = torch.arange(args[0].shape[1], device=lengths.device)
            args = [*args, (steps[None, :] < lengths[:, None]).long()]
        out = self.model(**dict(zip(self.inputs, args)), **self.call, return_dict=True)
        return tuple(out[k] for k in self.outputs)


def timm_model(name, calibration_shape=None, reinit=True, **kwargs):
    """timm.create_model(name, pretrained=False, **kwargs) -- or, for "timm.models.x:Class", that
    class called with kwargs (when a registered name fixes the argument to be changed) --
    re-initialised like a trained network (trained_like) and, with calibration_shape, with
    BatchNorm statistics from seeded batches (calibrate_batchnorm)."""
    import timm

    from convgate_worker import factories

    for key in ("depths", "dims", "embed_dims", "num_heads", "sr_ratios", "mlp_ratios", "heads", "layers",
                "embed_dim", "depth", "key_dim", "img_size"):
        if isinstance(kwargs.get(key), list):
            kwargs[key] = tuple(kwargs[key])
    if ":" in name:
        model = factories.resolve(name, "model.kwargs.name")(**kwargs)
    else:
        model = timm.create_model(name, pretrained=False, **kwargs)
    if reinit:
        trained_like(model)
    if calibration_shape:
        def make_inputs():
            return (torch.rand(*calibration_shape) * 2 - 1,)

        calibrate_batchnorm(model, make_inputs)
    return model.eval()
