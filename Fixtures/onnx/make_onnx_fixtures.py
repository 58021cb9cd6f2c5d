"""Builds small PyTorch ConvNets, exports them to ONNX and records golden outputs
for pzconv's ONNX importer.

Output layout, per case `<case>`:
    Fixtures/onnx/<case>/model.onnx                 (the exported model)
    Fixtures/onnx/<case>/model.onnx.data            (external_data_3d only: all initializers)
    Golden/onnx/<case>/input.npy                    (float32, shape exactly as the graph input)
    Golden/onnx/<case>/output.<onnx output>.npy     (float32, one per graph output)

The goldens are ONNX Runtime's outputs on the exported file itself
(CPUExecutionProvider, graph optimizations disabled: ORT_DISABLE_ALL, one
thread), and each is checked against the PyTorch model (eval(), no_grad()):
max|ort - torch| <= 1e-4 * max|torch| for every output. Each file also passes
onnx.checker.check_model(full_check=True).

Exporter: the classic TorchScript exporter, torch.onnx.export(..., dynamo=False).
It is still available in torch 2.15 (it only warns that it is deprecated), and
it needs no onnxscript (not installed in the venv). Opset 17 for every case
except groupnorm_3d (opset 18). Every graph has static shapes, batch 1, except
dynamic_3d (dynamic batch/depth/height/width). Exported in eval mode with
constant folding (the exporter's defaults), so: Dropout/Identity vanish, and a
BatchNorm directly after a Conv is folded into that Conv (unet_2d has no
BatchNormalization node; layer_table_3d keeps one, on the raw input).

How some layers come out (opset 17/18, TorchScript exporter, torch 2.15):
  * GroupNorm (groupnorm_3d, opset 18) is NOT exported as GroupNormalization:
    it is decomposed into Reshape(x, [1, G, -1]) -> InstanceNormalization
    (scale = ones(G), B = zeros(G), epsilon = GN eps) -> Reshape(back to
    Shape(x)) -> Mul(gamma as (C,1,1,1)) -> Add(beta as (C,1,1,1)).
  * nn.Upsample(mode="trilinear") becomes Resize(mode="linear",
    coordinate_transformation_mode="half_pixel") for align_corners=False and
    coordinate_transformation_mode="align_corners" for align_corners=True;
    inputs (X, roi="" (omitted), scales=Constant [1,1,2,2,2]), no sizes.
  * nn.Upsample(mode="nearest") becomes Resize(mode="nearest",
    coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
    scales [1,1,2,2,2] or [1,1,1,2,2].
  * F.pad is NOT folded to a constant pads tensor: the exporter emits an int64
    subgraph ConstantOfShape -> Concat -> Reshape[-1,2] -> Slice(step -1) ->
    Transpose -> Reshape[-1] -> Cast feeding Pad(mode="constant"); the value
    0.5 comes as a Constant third input, value 0 as an omitted ("") input.
  * x[:, :, 1:-1, 2:-1, 1:] becomes three chained one-axis Slice nodes with
    Constant starts/ends/axes/steps (ends -1, or INT64_MAX for "to the end").
The script prints, per case, the sorted op types and every Resize's attributes.

Weights are random (conv weights ~ N(0, 2/fan_in), i.e. std ~0.27 for a
1-channel 3x3x3 conv, so activations stay O(1); biases N(0, 0.3)), BatchNorm
running_mean ~ N(0, 0.3), running_var ~ U(0.5, 1.5), norm affine weight
1 + N(0, 0.3) and bias N(0, 0.3), PReLU slopes ~ U(0.05, 0.45), so no layer is
an identity by accident. Everything is seeded; the files are byte-identical
from run to run with the versions below.

Usage (from the repository root; needs torch, onnx, onnxruntime, numpy):
    Benchmarks/.venv/bin/python Fixtures/onnx/make_onnx_fixtures.py [CASE ...]
(default: every case)

Generated with: python 3.11.7, torch 2.15.0+cu132 (run on CPU), onnx 1.23.2, onnxruntime 1.32.0,
numpy 2.4.6 (the script prints the versions it runs with).
"""
import io
import os
import shutil
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Fixtures", "onnx")
GOLDEN = os.path.join(ROOT, "Golden", "onnx")

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=UserWarning)
torch.set_num_threads(1)


# ---------------------------------------------------------------------------
# Random, non-trivial parameters
# ---------------------------------------------------------------------------

def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)

    def normal(t, mean, std):
        t.copy_(torch.randn(t.shape, generator=g) * std + mean)

    def uniform(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=g) * (hi - lo) + lo)

    with torch.no_grad():
        for _, m in model.named_modules():
            if isinstance(m, (nn.Conv2d, nn.Conv3d)):
                fan_in = m.weight.shape[1] * int(np.prod(m.kernel_size))
                normal(m.weight, 0.0, (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    normal(m.bias, 0.0, 0.3)
            elif isinstance(m, (nn.ConvTranspose2d, nn.ConvTranspose3d)):
                # weight: (in, out/groups, *k); an output sees ~ in/groups * prod(k/stride) inputs
                fan_in = max(1.0, m.weight.shape[0] / m.groups
                             * float(np.prod(m.kernel_size)) / float(np.prod(m.stride)))
                normal(m.weight, 0.0, (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    normal(m.bias, 0.0, 0.3)
            elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm3d)):
                normal(m.weight, 1.0, 0.3)
                normal(m.bias, 0.0, 0.3)
                normal(m.running_mean, 0.0, 0.3)
                uniform(m.running_var, 0.5, 1.5)
            elif isinstance(m, (nn.InstanceNorm3d, nn.GroupNorm)):
                normal(m.weight, 1.0, 0.3)
                normal(m.bias, 0.0, 0.3)
            elif isinstance(m, nn.PReLU):
                uniform(m.weight, 0.05, 0.45)
    return model


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def conv_in_lrelu(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, stride=stride, padding=1, bias=True),
        nn.InstanceNorm3d(cout, eps=1e-5, affine=True),
        nn.LeakyReLU(0.01),
    )


class NNUNet3D(nn.Module):
    """nnU-Net PlainConvUNet: 3 stages (strides 1, 2, 2; the stride is in the first
    conv of a stage), 2x [Conv-IN-LeakyReLU] per stage, ConvTranspose3d(k2, s2)
    upsampling, skip concat, deep-supervision 1x1x1 seg heads at both decoder stages."""

    def __init__(self, cin=1, feats=(4, 8, 16), ncls=3):
        super().__init__()
        f0, f1, f2 = feats
        self.enc0 = nn.Sequential(conv_in_lrelu(cin, f0, 1), conv_in_lrelu(f0, f0))
        self.enc1 = nn.Sequential(conv_in_lrelu(f0, f1, 2), conv_in_lrelu(f1, f1))
        self.enc2 = nn.Sequential(conv_in_lrelu(f1, f2, 2), conv_in_lrelu(f2, f2))
        self.up1 = nn.ConvTranspose3d(f2, f1, 2, stride=2, bias=False)
        self.dec1 = nn.Sequential(conv_in_lrelu(2 * f1, f1), conv_in_lrelu(f1, f1))
        self.seg1 = nn.Conv3d(f1, ncls, 1, bias=True)
        self.up0 = nn.ConvTranspose3d(f1, f0, 2, stride=2, bias=False)
        self.dec0 = nn.Sequential(conv_in_lrelu(2 * f0, f0), conv_in_lrelu(f0, f0))
        self.seg0 = nn.Conv3d(f0, ncls, 1, bias=True)

    def forward(self, x):
        s0 = self.enc0(x)
        s1 = self.enc1(s0)
        b = self.enc2(s1)
        d1 = self.dec1(torch.cat([self.up1(b), s1], 1))
        d0 = self.dec0(torch.cat([self.up0(d1), s0], 1))
        return self.seg0(d0), self.seg1(d1)


class ResUnit(nn.Module):
    """MONAI ResidualUnit (1 subunit): Conv(k3) -> IN -> PReLU, plus a residual
    1x1x1 conv (strided) when the shape changes, identity otherwise."""

    def __init__(self, cin, cout, stride, prelu_channels, conv_only=False):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, 3, stride=stride, padding=1)
        self.adn = nn.Identity() if conv_only else nn.Sequential(
            nn.InstanceNorm3d(cout, affine=True), nn.PReLU(prelu_channels))
        if stride != 1 or cin != cout:
            self.res = nn.Conv3d(cin, cout, 1, stride=stride)
        else:
            self.res = nn.Identity()

    def forward(self, x):
        return self.adn(self.conv(x)) + self.res(x)


class UpBlock(nn.Module):
    """MONAI UNet up layer: ConvTranspose3d(k3, s2, p1, op1) -> IN -> PReLU, then a
    stride-1 ResidualUnit (identity residual)."""

    def __init__(self, cin, cout, prelu_channels, top=False):
        super().__init__()
        self.up = nn.Sequential(
            nn.ConvTranspose3d(cin, cout, 3, stride=2, padding=1, output_padding=1),
            nn.InstanceNorm3d(cout, affine=True), nn.PReLU(prelu_channels))
        self.ru = ResUnit(cout, cout, 1, prelu_channels, conv_only=top)

    def forward(self, x):
        return self.ru(self.up(x))


class MonaiUNet3D(nn.Module):
    """MONAI UNet(spatial_dims=3, channels=(4, 8, 16), strides=(2, 2),
    num_res_units=1, norm=INSTANCE(affine), act=PRELU), re-implemented, + Softmax(dim=1)."""

    def __init__(self, cin=1, ncls=3):
        super().__init__()
        self.down1 = ResUnit(cin, 4, 2, 4)      # per-channel PReLU
        self.down2 = ResUnit(4, 8, 2, 1)        # shared PReLU
        self.bottom = ResUnit(8, 16, 1, 16)     # per-channel, 1x1x1 residual (channels change)
        self.up2 = UpBlock(16 + 8, 4, 1)        # shared
        self.up1 = UpBlock(4 + 4, ncls, 1, top=True)

    def forward(self, x):
        d1 = self.down1(x)                      # 8^3
        d2 = self.down2(d1)                     # 4^3
        u2 = self.up2(torch.cat([d2, self.bottom(d2)], 1))   # 8^3
        u1 = self.up1(torch.cat([d1, u2], 1))                # 16^3
        return torch.softmax(u1, dim=1)


class LayerTable3D(nn.Module):
    """One op of each kind, with non-default parameters. Input 1x2x12x12x12."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm3d(2)
        self.conv_aniso = nn.Conv3d(2, 4, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), bias=False)
        self.lrelu = nn.LeakyReLU(0.2)
        self.up_aniso = nn.Upsample(scale_factor=(1, 2, 2), mode="nearest")
        self.conv_dil_grp = nn.Conv3d(4, 4, 3, padding=2, dilation=2, groups=2, bias=False)
        self.elu = nn.ELU(alpha=0.7)
        self.maxpool2 = nn.MaxPool3d(2, 2)
        self.maxpool_ceil = nn.MaxPool3d(3, 2, padding=1, ceil_mode=True)
        self.avgpool_incl = nn.AvgPool3d(3, 2, padding=1, count_include_pad=True)
        self.avgpool_excl_ceil = nn.AvgPool3d(3, 2, padding=1, count_include_pad=False, ceil_mode=True)
        self.ct_k3s2p1op1 = nn.ConvTranspose3d(4, 4, 3, stride=2, padding=1, output_padding=1)
        self.ct_k4s2p1 = nn.ConvTranspose3d(4, 4, 4, stride=2, padding=1)
        self.ct_k2s3 = nn.ConvTranspose3d(4, 4, 2, stride=3)
        self.ct_groups2 = nn.ConvTranspose3d(4, 4, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.ct_dil2 = nn.ConvTranspose3d(4, 4, 3, stride=2, padding=2, output_padding=1, dilation=2)
        self.scale = nn.Parameter(torch.zeros(1, 4, 1, 1, 1))
        self.shift = nn.Parameter(torch.zeros(1, 4, 1, 1, 1))
        self.up_nearest = nn.Upsample(scale_factor=2, mode="nearest")
        self.prelu = nn.PReLU(16)
        self.dropout = nn.Dropout(0.3)
        self.identity = nn.Identity()
        self.head = nn.Conv3d(16, 3, 1)

    def forward(self, x):                                   # 2 x 12^3
        a = F.relu(self.bn(x))                              # BatchNorm3d, ReLU
        a1 = self.up_aniso(self.lrelu(self.conv_aniso(a)))  # 4 x 12x6x6 -> 4 x 12^3
        a2 = self.elu(self.conv_dil_grp(a1))                # 4 x 12^3
        p = self.maxpool2(a2)                               # 4 x 6^3
        q = self.avgpool_excl_ceil(p)                       # 4 x 4^3
        t1 = self.ct_k3s2p1op1(p)                           # 12^3
        t2 = self.ct_k4s2p1(p)                              # 12^3
        t3 = F.pad(self.ct_k2s3(q), (1, 0, 0, 1, 1, 0), value=0.5)  # 11^3 -> 12^3
        t4 = self.ct_groups2(p)                             # 12^3
        t5 = self.ct_dil2(p)                                # 12^3
        m = torch.mul(torch.sigmoid(torch.add(t1, t2)), torch.tanh(torch.sub(t4, t5)))
        r = t3 * self.scale + self.shift                    # per-channel learned mul/add
        u = self.up_nearest(self.maxpool_ceil(a2))          # 7^3 -> 14^3
        u = u[:, :, 1:-1, 1:-1, 1:-1]                       # 12^3
        c = F.pad(a2[:, :, 1:-1, 2:-1, 1:], (1, 0, 2, 1, 1, 1))   # 10x9x11 -> 12^3, value 0
        h = self.prelu(torch.cat([m, r, u, c], 1))          # 16 x 12^3
        main = self.head(self.identity(self.dropout(h)))    # 3 x 12^3
        v = self.avgpool_incl(a2)                           # 4 x 6^3
        pool6 = torch.cat([v, p], 1)                        # 8 x 6^3
        pool4 = torch.cat([q, self.maxpool_ceil(p)], 1)     # 8 x 4^3
        return main, pool6, pool4


class GroupNorm3D(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv3d(2, 8, 3, padding=1), nn.GroupNorm(2, 8, eps=1e-5, affine=True), nn.ReLU(),
            nn.Conv3d(8, 8, 3, padding=1), nn.GroupNorm(8, 8, eps=1e-5, affine=True), nn.ReLU(),
            nn.Conv3d(8, 3, 1))

    def forward(self, x):
        return self.body(x)


class Trilinear3D(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(2, 3, 3, padding=1)
        self.up_hp = nn.Upsample(scale_factor=2, mode="trilinear", align_corners=False)
        self.up_ac = nn.Upsample(scale_factor=2, mode="trilinear", align_corners=True)

    def forward(self, x):
        y = torch.tanh(self.conv(x))
        return self.up_hp(y), self.up_ac(y)


def conv_bn_relu2d(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU())


class UNet2D(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc0 = nn.Sequential(conv_bn_relu2d(1, 4), conv_bn_relu2d(4, 4))
        self.enc1 = nn.Sequential(conv_bn_relu2d(4, 8), conv_bn_relu2d(8, 8))
        self.mid = nn.Sequential(conv_bn_relu2d(8, 16), conv_bn_relu2d(16, 16))
        self.pool = nn.MaxPool2d(2)
        self.up1 = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.dec1 = nn.Sequential(conv_bn_relu2d(16, 8), conv_bn_relu2d(8, 8))
        self.up0 = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.dec0 = nn.Sequential(conv_bn_relu2d(8, 4), conv_bn_relu2d(4, 4))
        self.head = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        e0 = self.enc0(x)                       # 32
        e1 = self.enc1(self.pool(e0))           # 16
        b = self.mid(self.pool(e1))             # 8
        d1 = self.dec1(torch.cat([self.up1(b), e1], 1))
        d0 = self.dec0(torch.cat([self.up0(d1), e0], 1))
        return torch.sigmoid(self.head(d0))


class Tiny3D(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv3d(4, 2, 3, padding=1)

    def forward(self, x):
        return self.conv2(F.relu(self.conv1(x)))


# ---------------------------------------------------------------------------
# Cases: name -> (model factory, input shape, output names, opset, options)
# ---------------------------------------------------------------------------

class SEClassifier3D(nn.Module):
    """A squeeze-excitation residual block and a classifier head (3-D SE-ResNet style):
    Conv-BN-ReLU, SE (AdaptiveAvgPool3d(1) → Flatten → Linear → ReLU → Linear → Sigmoid →
    view(N, C, 1, 1, 1) → channel-wise multiply), residual Add, then global pooling,
    Flatten and Linear logits. Two outputs: the feature map and the logits."""

    def __init__(self, cin=2, c=8, ncls=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(cin, c, 3, padding=1), nn.BatchNorm3d(c), nn.ReLU())
        self.conv = nn.Sequential(nn.Conv3d(c, c, 3, padding=1), nn.BatchNorm3d(c))
        self.squeeze = nn.Sequential(nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(c, c // 4), nn.ReLU(),
                                     nn.Linear(c // 4, c), nn.Sigmoid())
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.head = nn.Linear(c, ncls)

    def forward(self, x):
        x = self.stem(x)
        y = self.conv(x)
        s = self.squeeze(y).view(y.shape[0], y.shape[1], 1, 1, 1)
        features = torch.relu(x + y * s)
        return features, self.head(torch.flatten(self.pool(features), 1))


CASES = {
    "nnunet_3d": (NNUNet3D, (1, 1, 16, 16, 16), ["seg", "seg_ds1"], 17, {}),
    "monai_unet_3d": (MonaiUNet3D, (1, 1, 16, 16, 16), ["prob"], 17, {}),
    "layer_table_3d": (LayerTable3D, (1, 2, 12, 12, 12), ["main", "pool6", "pool4"], 17, {}),
    "groupnorm_3d": (GroupNorm3D, (1, 2, 10, 10, 10), ["logits"], 18, {}),
    "trilinear_3d": (Trilinear3D, (1, 2, 6, 6, 6), ["up_half_pixel", "up_align_corners"], 17, {}),
    "unet_2d": (UNet2D, (1, 1, 32, 32), ["mask"], 17, {}),
    "external_data_3d": (Tiny3D, (1, 1, 12, 12, 12), ["out"], 17, {"external": True}),
    "dynamic_3d": (Tiny3D, (1, 1, 12, 12, 12), ["out"], 17, {"dynamic": True}),
    "se_classifier_3d": (SEClassifier3D, (1, 2, 8, 8, 8), ["features", "logits"], 17, {}),
}

# Cases 7 and 8 share the tiny net's weights (same seed).
SEEDS = {"nnunet_3d": 101, "monai_unet_3d": 102, "layer_table_3d": 103, "groupnorm_3d": 104,
         "trilinear_3d": 105, "unet_2d": 106, "external_data_3d": 107, "dynamic_3d": 107,
         "se_classifier_3d": 108}


def dims(vi):
    out = []
    for d in vi.type.tensor_type.shape.dim:
        out.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?"))
    return out


def ort_session(path):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def check_close(name, got, ref):
    scale = float(np.max(np.abs(ref)))
    err = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
    ok = err <= 1e-4 * max(scale, 1e-12)
    print(f"    {name}: max|ort-torch| = {err:.3g}, max|torch| = {scale:.3g} -> {'ok' if ok else 'MISMATCH'}")
    if not ok:
        raise SystemExit(f"ORT and PyTorch disagree on {name}")


def make_case(case):
    factory, shape, out_names, opset, opts = CASES[case]
    seed = SEEDS[case]
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = randomize(factory(), seed).eval()
    if isinstance(model, LayerTable3D):
        g = torch.Generator().manual_seed(seed + 1000)
        with torch.no_grad():
            model.scale.copy_(1.0 + 0.3 * torch.randn(model.scale.shape, generator=g))
            model.shift.copy_(0.3 * torch.randn(model.shift.shape, generator=g))
    x_np = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    x = torch.from_numpy(x_np.copy())

    dynamic_axes = None
    if opts.get("dynamic"):
        ax = {0: "batch", 2: "depth", 3: "height", 4: "width"}
        dynamic_axes = {"input": ax, **{n: ax for n in out_names}}

    buf = io.BytesIO()
    torch.onnx.export(model, (x,), buf, dynamo=False, opset_version=opset,
                      input_names=["input"], output_names=out_names,
                      dynamic_axes=dynamic_axes, do_constant_folding=True)
    data = buf.getvalue()
    proto = onnx.load_from_string(data)

    fdir = os.path.join(FIXTURES, case)
    gdir = os.path.join(GOLDEN, case)
    for d in (fdir, gdir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    path = os.path.join(fdir, "model.onnx")
    if opts.get("external"):
        onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="model.onnx.data", size_threshold=0)
        stored = onnx.load(path, load_external_data=False)
        n_ext = sum(1 for t in stored.graph.initializer
                    if t.data_location == onnx.TensorProto.EXTERNAL)
        print(f"    external initializers: {n_ext}/{len(stored.graph.initializer)}")
        assert n_ext == len(stored.graph.initializer) > 0
    else:
        with open(path, "wb") as f:
            f.write(data)
    onnx.checker.check_model(path, full_check=True)

    ops = sorted({n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}::{n.op_type}"
                  for n in proto.graph.node})
    print(f"    opset {proto.opset_import[0].version}, ops: {', '.join(ops)}")
    for n in proto.graph.node:
        if n.op_type in ("Resize", "GroupNormalization"):
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()}
            print(f"    {n.op_type} {n.name}: {attrs}")
    for vi in proto.graph.input:
        print(f"    input  {vi.name}: {dims(vi)}")
    for vi in proto.graph.output:
        print(f"    output {vi.name}: {dims(vi)}")
    assert [o.name for o in proto.graph.output] == out_names
    assert [i.name for i in proto.graph.input] == ["input"]

    with torch.no_grad():
        ref = model(x)
    ref = [ref] if isinstance(ref, torch.Tensor) else list(ref)
    sess = ort_session(path)
    got = sess.run(out_names, {"input": x_np})
    for name, g_, r in zip(out_names, got, ref):
        assert g_.dtype == np.float32 and tuple(g_.shape) == tuple(r.shape)
        check_close(name, g_, r.numpy())

    if opts.get("dynamic"):
        # the file must also run at another batch and volume size
        x2 = np.random.default_rng(seed + 1).standard_normal((2, 1, 8, 10, 14)).astype(np.float32)
        with torch.no_grad():
            r2 = model(torch.from_numpy(x2.copy())).numpy()
        check_close(f"{out_names[0]} @ 2x1x8x10x14", sess.run(out_names, {"input": x2})[0], r2)

    np.save(os.path.join(gdir, "input.npy"), x_np)
    for name, g_ in zip(out_names, got):
        np.save(os.path.join(gdir, f"output.{name}.npy"), g_.astype(np.float32))
    print(f"    model.onnx {os.path.getsize(path)} bytes")


def main(argv):
    print(f"python {sys.version.split()[0]}, torch {torch.__version__}, onnx {onnx.__version__}, "
          f"onnxruntime {ort.__version__}, numpy {np.__version__}")
    cases = argv or list(CASES)
    for c in cases:
        if c not in CASES:
            raise SystemExit(f"unknown case {c}; known: {', '.join(CASES)}")
    for c in cases:
        print(f"{c}:")
        make_case(c)


if __name__ == "__main__":
    main(sys.argv[1:])
