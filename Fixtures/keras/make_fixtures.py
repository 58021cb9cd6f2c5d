"""Builds small real Keras models, saves them as the users' files would be, and
records Keras' own predictions as golden outputs.

Every model is built twice: with Keras 3 (`import keras`) and with tf-keras 2.x
(`import tf_keras`, the Keras 2 / tf.keras code base), and saved with
`model.save("model.h5")` (the legacy HDF5 full-model format). Some fixtures also
keep the architecture apart (`model.to_json()`) with weights in a separate file.

Output layout, per fixture `<name>-<k3|k2>`:
    Fixtures/keras/<fixture>/model.h5            (or model.json + weights.h5)
    Golden/keras/<fixture>/input.npy              (input.<name>.npy for several inputs)
    Golden/keras/<fixture>/output.<layer>.npy     (Keras' predict, in the model's layout)

Weights are random, and every BatchNormalization gets non-trivial moving
statistics, so no layer is an identity by accident.

Usage (from the repository root; needs tensorflow, tf-keras, h5py, numpy):
    python Fixtures/keras/make_fixtures.py [MODEL ...]   (default: every fixture)
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Fixtures", "keras")
GOLDEN = os.path.join(ROOT, "Golden", "keras")


def flavors():
    import keras
    import tf_keras
    return {"k3": keras, "k2": tf_keras}


# ---------------------------------------------------------------------------
# Models. Each builder takes the Keras module and returns a model.
# ---------------------------------------------------------------------------

def unet3d_channels_first(keras):
    """A small anisotropic 3-D U-Net, channels_first (EM style)."""
    L = keras.layers
    cf = "channels_first"
    x = keras.Input((2, 4, 12, 12), name="volume")
    c1 = L.Conv3D(6, (1, 3, 3), padding="same", data_format=cf, name="enc1_conv")(x)
    c1 = L.BatchNormalization(axis=1, epsilon=1e-3, name="enc1_bn")(c1)
    c1 = L.Activation("relu", name="enc1_relu")(c1)
    c1 = L.Conv3D(6, 3, padding="same", data_format=cf, name="enc1_conv2")(c1)
    c1 = L.ELU(alpha=0.7, name="enc1_elu")(c1)
    p1 = L.MaxPooling3D((1, 2, 2), data_format=cf, name="pool1")(c1)
    c2 = L.Conv3D(8, 3, padding="same", data_format=cf, activation="elu", name="enc2_conv")(p1)
    c2 = L.BatchNormalization(axis=1, name="enc2_bn")(c2)
    c2 = L.ReLU(name="enc2_relu")(c2)
    u1 = L.UpSampling3D((1, 2, 2), data_format=cf, name="up_nearest")(c2)
    u2 = L.Conv3DTranspose(6, (1, 2, 2), strides=(1, 2, 2), data_format=cf, name="up_transpose")(c2)
    m = L.Concatenate(axis=1, name="merge")([c1, u1, u2])
    d = L.Conv3D(6, (1, 3, 3), padding="same", data_format=cf, activation="tanh", name="dec_conv")(m)
    logits = L.Conv3D(3, 1, data_format=cf, name="logits")(d)
    probs = L.Softmax(axis=1, name="probs")(logits)
    # A user's softmax activation on a channels_first conv normalizes the last
    # axis (W), not channels: Keras' own semantics, kept as they are.
    wsoft = L.Conv3D(2, 1, data_format=cf, activation="softmax", name="w_softmax")(d)
    return keras.Model(x, [probs, wsoft], name="unet3d_cf")


def residual3d_channels_last(keras):
    """A channels_last residual 3-D net: strided 'same' convs on odd sizes (TF's
    asymmetric padding), transposed convs (same, valid, output_padding, k < s),
    dilation, groups, every merge, cropping and padding."""
    L = keras.layers
    x = keras.Input((7, 15, 17, 2), name="patch")
    a = L.Conv3D(4, 3, strides=2, padding="same", name="down_same")(x)
    a = L.BatchNormalization(center=False, name="bn_no_center")(a)
    a = L.LeakyReLU(0.1, name="leaky")(a)
    b = L.Conv3D(4, 3, padding="same", dilation_rate=(1, 2, 2), name="dilated")(a)
    b = L.BatchNormalization(scale=False, epsilon=1e-2, name="bn_no_scale")(b)
    b = L.Activation("sigmoid", name="gate")(b)
    c = L.Conv3D(4, 1, groups=2, name="grouped")(b)
    r = L.Add(name="residual")([a, c])
    r = L.Dropout(0.5, name="drop")(r)
    s = L.Subtract(name="diff")([r, b])
    p = L.Multiply(name="prod")([s, b])
    p = L.SpatialDropout3D(0.3, name="sdrop")(p)
    u_same = L.Conv3DTranspose(3, 3, strides=2, padding="same", name="up_same")(p)
    u_valid = L.Conv3DTranspose(3, 2, strides=2, padding="valid", output_padding=1, name="up_valid_op")(p)
    u_small = L.Conv3DTranspose(3, 1, strides=2, padding="same", activation="relu", name="up_k1")(p)
    crop_valid = L.Cropping3D(((0, 1), (0, 1), (0, 1)), name="crop_to_same")(u_valid)
    merged = L.Concatenate(name="cat")([u_same, crop_valid, u_small])
    merged = L.ZeroPadding3D(((1, 0), (0, 2), (1, 1)), name="pad")(merged)
    avg_same = L.AveragePooling3D(3, strides=2, padding="same", name="avg_same")(merged)
    max_same = L.MaxPooling3D(2, padding="same", name="max_same")(merged)
    avg_valid = L.AveragePooling3D((1, 2, 2), name="avg_valid")(merged)
    out = L.Conv3D(2, 1, activation="tanh", name="head")(avg_valid)
    return keras.Model(x, [out, avg_same, max_same], name="residual3d_cl")


def unet2d(keras):
    """A 2-D U-Net, channels_last."""
    L = keras.layers
    x = keras.Input((20, 18, 3), name="image")
    c1 = L.Conv2D(6, 3, padding="same", name="c1")(x)
    c1 = L.BatchNormalization(name="bn1")(c1)
    c1 = L.Activation("relu", name="relu1")(c1)
    p1 = L.MaxPooling2D(name="pool1")(c1)
    c2 = L.Conv2D(8, 3, padding="valid", activation="elu", name="c2")(p1)
    c2 = L.SpatialDropout2D(0.2, name="sdrop")(c2)
    a2 = L.AveragePooling2D(3, strides=2, padding="same", name="avgpool")(c2)
    u1 = L.Conv2DTranspose(6, 3, strides=2, padding="same", name="upconv")(c2)
    u2 = L.UpSampling2D(name="upsample")(c2)
    u2 = L.ZeroPadding2D(((1, 1), (1, 1)), name="zpad")(u2)
    skip = L.Cropping2D(((1, 1), (0, 0)), name="crop")(c1)
    skip = L.ZeroPadding2D(((0, 0), (0, 0)), name="nopad")(skip)
    m = L.Concatenate(name="merge")([L.Cropping2D(((2, 2), (2, 2)), name="crop_skip")(skip),
                                     L.Cropping2D(((1, 1), (0, 0)), name="crop_up")(u1),
                                     L.Cropping2D(((2, 2), (1, 1)), name="crop_nn")(u2)])
    out = L.Conv2D(2, 1, activation="sigmoid", name="seg")(m)
    return keras.Model(x, [out, a2], name="unet2d")


def nested_and_shared(keras):
    """A nested Functional model called twice, a nested Sequential, and a layer
    shared between two calls."""
    L = keras.layers
    inner_in = keras.Input((4, 8, 8, 3), name="inner_in")
    h = L.Conv3D(3, 3, padding="same", name="inner_conv")(inner_in)
    h = L.BatchNormalization(name="inner_bn")(h)
    h = L.Activation("relu", name="inner_relu")(h)
    inner = keras.Model(inner_in, h, name="inner_block")
    seq = keras.Sequential([keras.Input((4, 8, 8, 3)), L.Conv3D(3, 1, name="seq_conv"),
                            L.ELU(name="seq_elu")], name="seq_block")
    x = keras.Input((4, 8, 8, 3), name="vol")
    shared = L.Conv3D(3, 1, name="shared_conv")
    a = inner(shared(x))
    b = inner(shared(L.Activation("tanh", name="pre_tanh")(x)))
    c = seq(a)
    out = L.Add(name="join")([a, b, c])
    return keras.Model(x, [out, c], name="nested")


def sequential_model(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input((4, 10, 10, 1)),
        L.Conv3D(4, 3, padding="same", activation="relu", name="s_conv1"),
        L.MaxPooling3D((1, 2, 2), name="s_pool"),
        L.Conv3D(4, 3, padding="same", name="s_conv2"),
        L.BatchNormalization(name="s_bn"),
        L.Activation("elu", name="s_elu"),
        L.UpSampling3D((1, 2, 2), name="s_up"),
        L.Conv3D(2, 1, activation="softmax", name="s_out"),
    ], name="sequential3d")


def long_names(keras):
    """Layer names long enough (with the header limit lowered, see below) for
    Keras to split `layer_names` and `weight_names` into chunked attributes."""
    L = keras.layers
    x = keras.Input((2, 6, 6, 2), name="x")
    y = x
    for index in range(6):
        y = L.Conv3D(2, 1, activation="relu", name=f"layer_{index}_" + "n" * 40)(y)
    return keras.Model(x, y, name="long_names")


def transposed_prelu(keras):
    """What real channels_last nets bring beyond U-Net up-sampling: transposed
    convolutions whose kernel is not their stride ("same" with kernel 4 and 3 at
    stride 2, "valid" with output_padding, a stride-1 score layer) and PReLU
    with per-channel slopes (every spatial axis shared, as 3-D nets use it)."""
    L = keras.layers
    x = keras.Input((4, 6, 5, 3), name="volume")
    c = L.Conv3D(8, 3, padding="same", name="conv")(x)
    c = L.PReLU(shared_axes=[1, 2, 3], name="prelu")(c)
    u1 = L.Conv3DTranspose(6, 4, strides=2, padding="same", name="up_k4s2")(c)
    u2 = L.Conv3DTranspose(6, 3, strides=2, padding="same", name="up_k3s2")(c)
    u3 = L.Conv3DTranspose(4, 3, strides=2, padding="valid", output_padding=1, name="up_outpad")(c)
    m = L.Concatenate(name="merge")([u1, u2])
    m = L.PReLU(shared_axes=[1, 2, 3], alpha_initializer="ones", name="prelu_merge")(m)
    s = L.Conv3DTranspose(5, (1, 5, 5), strides=1, padding="same", name="score")(m)
    out = L.Activation("softmax", name="prob")(s)
    return keras.Model(x, [out, u3], name="transposed_prelu")


_INSTANCE_NORMALIZATION = {}


def instance_normalization_class(keras):
    """keras_contrib's InstanceNormalization for this Keras (keras_contrib itself does
    not install with TensorFlow 2): the same class name, config keys and weights
    (gamma, beta; shape (C,), or (1,) for axis None), and its formula,
    (x − mean) / (std + epsilon) over every axis but the batch and `axis`, with the
    population std (K.std), then · gamma + beta. Written from keras_contrib's source,
    keras_contrib/layers/normalization/instancenormalization.py. Registered as the
    custom object "InstanceNormalization" (a plain class name in the saved config,
    as keras_contrib's own files have), so the saved files load back in Keras."""
    if keras.__name__ in _INSTANCE_NORMALIZATION:
        return _INSTANCE_NORMALIZATION[keras.__name__]
    import tensorflow as tf

    def serialize(obj, module):
        # Keras 2's form, {"class_name": ..., "config": ...}, as keras_contrib wrote it.
        if obj is None:
            return None
        config = module.serialize(obj)
        return {"class_name": config["class_name"], "config": config["config"]}

    class InstanceNormalization(keras.layers.Layer):
        def __init__(self, axis=None, epsilon=1e-3, center=True, scale=True,
                     beta_initializer="zeros", gamma_initializer="ones",
                     beta_regularizer=None, gamma_regularizer=None,
                     beta_constraint=None, gamma_constraint=None, **kwargs):
            super().__init__(**kwargs)
            self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale
            self.beta_initializer = keras.initializers.get(beta_initializer)
            self.gamma_initializer = keras.initializers.get(gamma_initializer)
            self.beta_regularizer = keras.regularizers.get(beta_regularizer)
            self.gamma_regularizer = keras.regularizers.get(gamma_regularizer)
            self.beta_constraint = keras.constraints.get(beta_constraint)
            self.gamma_constraint = keras.constraints.get(gamma_constraint)

        def build(self, input_shape):
            if self.axis == 0:
                raise ValueError("Axis cannot be zero")
            shape = (1,) if self.axis is None else (input_shape[self.axis],)
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint) if self.scale else None
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint) if self.center else None
            self.built = True

        def call(self, inputs):
            rank = len(inputs.shape)
            axes = [a for a in range(1, rank) if self.axis is None or a != self.axis % rank]
            mean = tf.reduce_mean(inputs, axes, keepdims=True)
            std = tf.math.reduce_std(inputs, axes, keepdims=True) + self.epsilon
            normed = (inputs - mean) / std
            broadcast = [1] * rank
            if self.axis is not None:
                broadcast[self.axis] = inputs.shape[self.axis]
            if self.scale:
                normed = normed * tf.reshape(self.gamma, broadcast)
            if self.center:
                normed = normed + tf.reshape(self.beta, broadcast)
            return normed

        def get_config(self):
            config = super().get_config()
            config.update({"axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                           "beta_initializer": serialize(self.beta_initializer, keras.initializers),
                           "gamma_initializer": serialize(self.gamma_initializer, keras.initializers),
                           "beta_regularizer": serialize(self.beta_regularizer, keras.regularizers),
                           "gamma_regularizer": serialize(self.gamma_regularizer, keras.regularizers),
                           "beta_constraint": serialize(self.beta_constraint, keras.constraints),
                           "gamma_constraint": serialize(self.gamma_constraint, keras.constraints)})
            return config

    if keras.__name__ == "tf_keras":
        keras.utils.get_custom_objects()["InstanceNormalization"] = InstanceNormalization
    else:
        keras.saving.get_custom_objects()["InstanceNormalization"] = InstanceNormalization
    _INSTANCE_NORMALIZATION[keras.__name__] = InstanceNormalization
    return InstanceNormalization


def resnet3d_classifier(keras):
    """A small 3-D ResNet-18-style classifier (channels_last): strided stem, max
    pooling, two basic blocks (the second downsampling, with a 1×1×1 projection),
    global average pooling, a softmax Dense head."""
    L = keras.layers
    x = keras.Input((16, 16, 16, 1), name="scan")
    h = L.Conv3D(8, 7, strides=2, padding="same", use_bias=False, name="stem")(x)
    h = L.BatchNormalization(name="stem_bn")(h)
    h = L.Activation("relu", name="stem_relu")(h)
    h = L.MaxPooling3D(3, strides=2, padding="same", name="stem_pool")(h)

    def block(h, filters, stride, name):
        y = L.Conv3D(filters, 3, strides=stride, padding="same", use_bias=False, name=name + "_conv1")(h)
        y = L.BatchNormalization(name=name + "_bn1")(y)
        y = L.ReLU(name=name + "_relu1")(y)
        y = L.Conv3D(filters, 3, padding="same", use_bias=False, name=name + "_conv2")(y)
        y = L.BatchNormalization(name=name + "_bn2")(y)
        if stride != 1 or h.shape[-1] != filters:
            h = L.Conv3D(filters, 1, strides=stride, use_bias=False, name=name + "_proj")(h)
            h = L.BatchNormalization(name=name + "_proj_bn")(h)
        return L.ReLU(name=name + "_out")(L.Add(name=name + "_add")([h, y]))

    h = block(h, 8, 1, "block1")
    h = block(h, 12, 2, "block2")
    h = L.GlobalAveragePooling3D(name="gap")(h)
    out = L.Dense(5, activation="softmax", name="classes")(h)
    return keras.Model(x, out, name="resnet3d_cls")


def se_resnet3d(keras):
    """A residual block with squeeze-excitation (GlobalAveragePooling3D → Dense relu →
    Dense sigmoid → Reshape → Multiply), then a second SE through keepdims pooling
    (no Reshape), and a Flatten → Dense head on a pooled map."""
    L = keras.layers
    x = keras.Input((8, 8, 8, 2), name="patch")
    h = L.Conv3D(8, 3, padding="same", name="conv_in")(x)
    y = L.Conv3D(8, 3, padding="same", name="conv_a")(h)
    y = L.BatchNormalization(name="bn_a")(y)
    y = L.ReLU(name="relu_a")(y)
    s = L.GlobalAveragePooling3D(name="squeeze")(y)
    s = L.Dense(2, activation="relu", name="excite_down")(s)
    s = L.Dense(8, activation="sigmoid", name="excite_up")(s)
    s = L.Reshape((1, 1, 1, 8), name="excite_shape")(s)
    y = L.Multiply(name="scale")([y, s])
    h = L.ReLU(name="block_out")(L.Add(name="residual")([h, y]))
    k = L.GlobalAveragePooling3D(keepdims=True, name="squeeze_keep")(h)
    k = L.Conv3D(8, 1, activation="sigmoid", name="excite_conv")(k)
    features = L.Multiply(name="scale_keep")([k, h])
    pooled = L.MaxPooling3D(4, name="pool")(features)
    logits = L.Dense(3, name="logits")(L.Flatten(name="flatten")(pooled))
    return keras.Model(x, [features, logits], name="se_resnet3d")


def se_keepdims(keras):
    """Squeeze-excitation through keepdims pooling: GlobalAveragePooling3D(keepdims=True)
    → Dense relu → Dense sigmoid on the (1, 1, 1, C) map (Dense on a rank-5 tensor, no
    Reshape) → Multiply([x, se]), Add with the shortcut, ReLU; a second head
    GlobalAveragePooling3D(keepdims=True) → Flatten → Dense."""
    L = keras.layers
    x = keras.Input((6, 8, 8, 3), name="patch")
    h = L.Conv3D(8, 3, padding="same", name="conv_in")(x)
    y = L.Conv3D(8, 3, padding="same", name="conv_a")(h)
    y = L.BatchNormalization(name="bn_a")(y)
    y = L.ReLU(name="relu_a")(y)
    s = L.GlobalAveragePooling3D(keepdims=True, name="squeeze")(y)
    s = L.Dense(2, activation="relu", name="excite_down")(s)
    s = L.Dense(8, activation="sigmoid", name="excite_up")(s)
    y = L.Multiply(name="scale")([y, s])
    features = L.ReLU(name="block_out")(L.Add(name="residual")([h, y]))
    pooled = L.GlobalAveragePooling3D(keepdims=True, name="pool")(features)
    logits = L.Dense(3, name="logits")(L.Flatten(name="flatten")(pooled))
    return keras.Model(x, [features, logits], name="se_keepdims")


def instancenorm_unet(keras):
    """The isensee2017 pattern (channels_last): Conv3D → keras_contrib
    InstanceNormalization → LeakyReLU(0.01), a context module with
    SpatialDropout3D, UpSampling3D, Concatenate, a sigmoid 1×1×1 head; one
    InstanceNormalization with axis None (the layer's default)."""
    L = keras.layers
    InstanceNormalization = instance_normalization_class(keras)

    def conv_block(h, filters, name, strides=1, axis=-1):
        h = L.Conv3D(filters, 3, strides=strides, padding="same", name=name + "_conv")(h)
        h = InstanceNormalization(axis=axis, name=name + "_in")(h)
        return L.LeakyReLU(0.01, name=name + "_lrelu")(h)

    x = keras.Input((8, 12, 12, 1), name="mri")
    c1 = conv_block(x, 4, "level1")
    ctx = conv_block(c1, 4, "context1")
    ctx = L.SpatialDropout3D(0.3, name="context1_drop")(ctx)
    ctx = conv_block(ctx, 4, "context1b")
    s1 = L.Add(name="sum1")([c1, ctx])
    c2 = conv_block(s1, 8, "level2", strides=2)
    c2 = conv_block(c2, 8, "level2b", axis=None)
    up = L.UpSampling3D(2, name="up")(c2)
    up = conv_block(up, 4, "up_conv")
    m = L.Concatenate(name="merge")([s1, up])
    m = conv_block(m, 4, "localization")
    out = L.Conv3D(1, 1, activation="sigmoid", name="seg")(m)
    return keras.Model(x, out, name="instancenorm_unet")


def instancenorm_channels_first(keras):
    """keras_contrib InstanceNormalization with axis=1 after channels_first convolutions."""
    L = keras.layers
    InstanceNormalization = instance_normalization_class(keras)
    cf = "channels_first"
    x = keras.Input((2, 6, 8, 8), name="volume")
    h = L.Conv3D(4, 3, padding="same", data_format=cf, name="conv")(x)
    h = InstanceNormalization(axis=1, epsilon=1e-5, name="norm")(h)
    h = L.Activation("relu", name="relu")(h)
    out = L.Conv3D(2, 1, data_format=cf, name="out")(h)
    return keras.Model(x, out, name="instancenorm_cf")


def groupnorm3d(keras):
    """GroupNormalization (2 groups of 4, then 8 groups: one per channel), channels_last."""
    L = keras.layers
    x = keras.Input((6, 8, 8, 2), name="volume")
    h = L.Conv3D(8, 3, padding="same", name="conv1")(x)
    h = L.GroupNormalization(groups=2, epsilon=1e-3, name="gn1")(h)
    h = L.ReLU(name="relu1")(h)
    h = L.Conv3D(8, 3, padding="same", name="conv2")(h)
    h = L.GroupNormalization(groups=8, name="gn2")(h)
    out = L.Conv3D(3, 1, name="out")(h)
    return keras.Model(x, out, name="groupnorm3d")


def flatten_dense(keras):
    """Conv3D → MaxPooling3D → Flatten (of a 4×4×4×4 map) → Dense relu → Dense."""
    L = keras.layers
    x = keras.Input((8, 8, 8, 2), name="volume")
    h = L.Conv3D(4, 3, padding="same", activation="relu", name="conv")(x)
    h = L.MaxPooling3D(2, name="pool")(h)
    h = L.Flatten(name="flatten")(h)
    h = L.Dense(16, activation="relu", name="fc1")(h)
    out = L.Dense(4, name="fc2")(h)
    return keras.Model(x, out, name="flatten_dense")


def flatten_dense_channels_first(keras):
    """channels_first: Flatten with the default data_format (channels_last: the tensor
    flattened as stored, C, D, H, W) and Flatten(data_format="channels_first") (Keras moves
    the channels last first: D, H, W, C), each into a Dense."""
    L = keras.layers
    cf = "channels_first"
    x = keras.Input((2, 4, 6, 6), name="volume")
    h = L.Conv3D(3, 3, padding="same", data_format=cf, activation="relu", name="conv")(x)
    h = L.MaxPooling3D(2, data_format=cf, name="pool")(h)
    stored = L.Dense(4, name="fc_stored")(L.Flatten(name="flatten_stored")(h))
    moved = L.Dense(4, name="fc_moved")(L.Flatten(data_format=cf, name="flatten_moved")(h))
    return keras.Model(x, [stored, moved], name="flatten_dense_cf")


MODELS = {
    "unet3d_cf": unet3d_channels_first,
    "residual3d_cl": residual3d_channels_last,
    "unet2d": unet2d,
    "nested": nested_and_shared,
    "sequential": sequential_model,
    "long_names": long_names,
    "transposed_prelu": transposed_prelu,
    "resnet3d_cls": resnet3d_classifier,
    "se_resnet3d": se_resnet3d,
    "instancenorm_unet": instancenorm_unet,
    "instancenorm_cf": instancenorm_channels_first,
    "groupnorm3d": groupnorm3d,
    "flatten_dense": flatten_dense,
    "se_keepdims": se_keepdims,
    "flatten_dense_cf": flatten_dense_channels_first,
}


# ---------------------------------------------------------------------------
# Saving and golden outputs.
# ---------------------------------------------------------------------------

def randomize(model, seed):
    """Random weights everywhere; BatchNorm statistics far from (0, 1)."""
    rng = np.random.default_rng(seed)
    for layer in iter_layers(model):
        weights = layer.get_weights()
        if not weights:
            continue
        names = [w.name.split("/")[-1].split(":")[0] for w in layer.weights]
        new = []
        for name, w in zip(names, weights):
            if name == "moving_variance":
                new.append(rng.uniform(0.3, 2.5, w.shape).astype(np.float32))
            elif name == "moving_mean":
                new.append((rng.standard_normal(w.shape) * 0.5).astype(np.float32))
            elif name == "gamma":
                new.append(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
            else:
                fan_in = np.prod(w.shape[:-1]) if w.ndim > 1 else 1
                new.append((rng.standard_normal(w.shape) / np.sqrt(max(fan_in, 1))).astype(np.float32))
        layer.set_weights(new)


def iter_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            yield from iter_layers(layer)
        else:
            yield layer


def output_names(model):
    return [t._keras_history[0].name for t in (model.outputs if isinstance(model.outputs, list) else [model.outputs])]


def write_golden(model, name, seed):
    golden = os.path.join(GOLDEN, name)
    shutil.rmtree(golden, ignore_errors=True)
    os.makedirs(golden)
    rng = np.random.default_rng(1000 + seed)
    inputs = model.inputs if isinstance(model.inputs, list) else [model.inputs]
    arrays = [rng.standard_normal((1,) + tuple(t.shape[1:])).astype(np.float32) for t in inputs]
    outputs = model.predict(arrays if len(arrays) > 1 else arrays[0], verbose=0)
    if not isinstance(outputs, list):
        outputs = [outputs]
    if len(arrays) == 1:
        np.save(os.path.join(golden, "input.npy"), arrays[0])
    else:
        for tensor, array in zip(inputs, arrays):
            np.save(os.path.join(golden, f"input.{tensor._keras_history[0].name}.npy"), array)
    for layer_name, array in zip(output_names(model), outputs):
        np.save(os.path.join(golden, f"output.{layer_name}.npy"), np.asarray(array, np.float32))


def lower_header_limit(flavor, keras):
    """Makes Keras' own writer chunk its name lists, as it does past 64512 bytes."""
    if flavor == "k3":
        from keras.src.legacy.saving import legacy_h5_format as module
    else:
        from tf_keras.src.saving.legacy import hdf5_format as module
    previous = module.HDF5_OBJECT_HEADER_LIMIT
    module.HDF5_OBJECT_HEADER_LIMIT = 200
    return module, previous


def main():
    only = sys.argv[1:]  # model names to remake (default: every fixture)
    for flavor, keras in flavors().items():
        for seed, (model_name, build) in enumerate(MODELS.items()):
            if only and model_name not in only:
                continue
            keras.utils.set_random_seed(seed)
            model = build(keras)
            randomize(model, seed)
            name = f"{model_name}-{flavor}"
            directory = os.path.join(FIXTURES, name)
            shutil.rmtree(directory, ignore_errors=True)
            os.makedirs(directory)
            if model_name == "long_names":
                module, previous = lower_header_limit(flavor, keras)
                model.save(os.path.join(directory, "model.h5"))
                module.HDF5_OBJECT_HEADER_LIMIT = previous
            else:
                model.save(os.path.join(directory, "model.h5"))
            write_golden(model, name, seed)
            print(name, "outputs", output_names(model))

        if only:
            continue
        # Architecture and weights kept apart: model.to_json() + weights.
        keras.utils.set_random_seed(42)
        model = residual3d_channels_last(keras)
        randomize(model, 42)
        name = f"json_weights-{flavor}"
        directory = os.path.join(FIXTURES, name)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        with open(os.path.join(directory, "model.json"), "w") as f:
            f.write(model.to_json())
        if flavor == "k2":
            model.save_weights(os.path.join(directory, "weights.h5"))  # Keras 2 weights-only layout (root)
        else:
            # Keras 3 writes weights-only files in its .weights.h5 layout only; a
            # full legacy .h5 holds the weights in /model_weights.
            model.save(os.path.join(directory, "weights.h5"))
        write_golden(model, name, 42)
        print(name, "(json + weights)")

    if only:
        return
    # Keras <= 2.1 wrote a Sequential config as a bare list of layers: the
    # tf-keras sequential fixture's config in that form, with its weights.
    source = os.path.join(FIXTURES, "sequential-k2", "model.h5")
    with h5py.File(source) as f:
        config = json.loads(f.attrs["model_config"])
    bare = {"class_name": "Sequential", "config": config["config"]["layers"]}
    directory = os.path.join(FIXTURES, "sequential_bare_list-k2")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump(bare, f)
    shutil.copy(source, os.path.join(directory, "weights.h5"))
    shutil.rmtree(os.path.join(GOLDEN, "sequential_bare_list-k2"), ignore_errors=True)
    shutil.copytree(os.path.join(GOLDEN, "sequential-k2"), os.path.join(GOLDEN, "sequential_bare_list-k2"))
    print("sequential_bare_list-k2 (bare-list config)")


if __name__ == "__main__":
    main()
