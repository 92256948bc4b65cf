"""A small multi-layer perceptron as a gdlab loss: all weights and biases in one flat parameter vector.

The network maps inputs X (N×d) through hidden layers of the given widths, each an affine map followed
by the activation, to one score per class; the loss is the softmax cross-entropy averaged over the
examples. `grad` is backpropagation written out layer by layer, so every optimiser in gdlab trains the
network unchanged (introduced in 11-network). A network has no known minimum: its `minimum` is None.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_indices, check_seed
from gdlab.losses.base import Loss

ACTIVATIONS = ("relu", "tanh", "sigmoid")


def activate(z: np.ndarray, activation: str) -> np.ndarray:
    """The activation applied elementwise."""
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "tanh":
        return np.tanh(z)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the sigmoid, without overflow


def activation_slope(z: np.ndarray, a: np.ndarray, activation: str) -> np.ndarray:
    """The activation's derivative at the pre-activation z (a is the activation's value there)."""
    if activation == "relu":
        return (z > 0).astype(float)
    if activation == "tanh":
        return 1.0 - a * a
    return a * (1.0 - a)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by each row's maximum so that no exponential overflows."""
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class MLPLoss(Loss):
    """Mean softmax cross-entropy of a multi-layer perceptron on (X, y), as a function of its flattened weights (introduced in 11-network).

    The parameter vector lists, layer by layer, the weight matrix (inputs × outputs, row by row) and
    then the bias. `initial_weights()` draws the weights from `seed`: He initialisation
    (standard deviation √(2/fan_in)) for relu, Glorot (√(2/(fan_in + fan_out))) for tanh and
    sigmoid; biases start at 0. At all-zero parameters every class gets the same score, and the
    loss is log(number of classes).
    """

    def __init__(self, X: Any, y: Any, hidden: Any = (16,), activation: str = "relu", seed: int | None = 0) -> None:
        try:
            X = np.array(X, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"X must be a matrix of numbers (examples × features), got {X!r}") from None
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0 or not np.all(np.isfinite(X)):
            raise ValueError(f"X must be a finite matrix of shape (examples, features), got shape {X.shape}")
        labels = np.asarray(y)
        if labels.shape != (X.shape[0],) or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
            raise ValueError(f"y must hold one class number (an int >= 0) per row of X ({X.shape[0]}), got {y!r}")
        widths = tuple(hidden) if np.ndim(hidden) else (hidden,)
        if not all(isinstance(h, (int, np.integer)) and not isinstance(h, bool) and h > 0 for h in widths):
            raise ValueError(f"hidden must be a sequence of layer widths (whole numbers > 0), got {hidden!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.X, self.y, self.activation, self.seed = X, labels.astype(int), activation, check_seed(seed)
        self.classes = max(int(self.y.max()) + 1, 2)
        self.sizes = (X.shape[1], *map(int, widths), self.classes)
        self.shapes = list(zip(self.sizes[:-1], self.sizes[1:]))  # (inputs, outputs) of each layer
        self.dim = sum(a * b + b for a, b in self.shapes)
        self.name = f"MLP {'-'.join(map(str, self.sizes))} ({activation}) on {X.shape[0]} examples"

    def unflatten(self, w: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (weights, bias) of each layer, from the flat parameter vector `w`."""
        w = np.asarray(w, dtype=float)
        if w.shape != (self.dim,):
            raise ValueError(f"w must have shape ({self.dim},) for this network ({self.name}), got shape {w.shape}")
        layers, at = [], 0
        for rows, cols in self.shapes:
            weights = w[at:at + rows * cols].reshape(rows, cols)
            at += rows * cols
            layers.append((weights, w[at:at + cols]))
            at += cols
        return layers

    def flatten(self, layers: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """The flat parameter vector of a list of (weights, bias) layers."""
        return np.concatenate([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in layers])

    def initial_weights(self, seed: int | None = None) -> np.ndarray:
        """Weights drawn from `seed` (default: the loss's), He for relu or Glorot otherwise; biases 0."""
        rng = np.random.default_rng(self.seed if seed is None else check_seed(seed))
        layers = []
        for fan_in, fan_out in self.shapes:
            spread = np.sqrt(2.0 / fan_in) if self.activation == "relu" else np.sqrt(2.0 / (fan_in + fan_out))
            layers.append((rng.normal(scale=spread, size=(fan_in, fan_out)), np.zeros(fan_out)))
        return self.flatten(layers)

    def forward(self, w: Any, X: Any = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every layer's pre-activations z and outputs a (the inputs first; the last z are the class scores)."""
        outputs, pre = [self.X if X is None else np.asarray(X, dtype=float)], []
        layers = self.unflatten(w)
        for k, (W, b) in enumerate(layers):
            z = outputs[-1] @ W + b
            pre.append(z)
            outputs.append(z if k == len(layers) - 1 else activate(z, self.activation))
        return pre, outputs

    def _each_point(self, single: Any, w: Any, tail: tuple[int, ...], *args: Any) -> Any:
        """`single(point, *args)` at the one point `w`, or at every point of a stack (..., D), stacked (shape (...,) + tail)."""
        w = np.asarray(w, dtype=float)
        if w.ndim < 2:
            return single(w, *args)
        return np.reshape([single(p, *args) for p in w.reshape(-1, w.shape[-1])], w.shape[:-1] + tail)

    def value(self, w: Any) -> float | np.ndarray:
        """The mean softmax cross-entropy over the examples, at the point `w` (or each point of a stack)."""
        return self._each_point(self._value, w, ())

    def _value(self, w: np.ndarray) -> float:
        """The mean softmax cross-entropy at one point."""
        return self._cross_entropy(self.forward(w)[0][-1])

    def _cross_entropy(self, scores: np.ndarray) -> float:
        """The mean softmax cross-entropy of the class scores of every example."""
        top = scores.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(scores - top).sum(axis=1)) + top[:, 0]
        return float(np.mean(log_sum - scores[np.arange(len(self.y)), self.y]))

    @property
    def n(self) -> int:
        """The number of examples (MiniBatchGradient draws its batches from them)."""
        return len(self.y)

    def grad(self, w: Any) -> np.ndarray:
        """Backpropagation: the gradient of the mean cross-entropy with respect to every weight and bias."""
        return self._each_point(self._batch_grad, w, (self.dim,), slice(None))

    def batch_grad(self, w: Any, idx: Any) -> np.ndarray:
        """The same gradient, averaged over the examples `idx` only: the mini-batch gradient (08)."""
        return self._each_point(self._batch_grad, w, (self.dim,), check_indices(idx, self.n))

    def value_and_grad(self, w: Any) -> tuple[float | np.ndarray, np.ndarray]:
        """(value(w), grad(w)) from one forward pass at a single point (each point of a stack: as value and grad do)."""
        if np.ndim(w) > 1 or type(self).value is not MLPLoss.value or type(self).grad is not MLPLoss.grad:
            return super().value_and_grad(w)  # a subclass that changes value or grad: its own two
        pre, outputs = self.forward(w)
        return self._cross_entropy(pre[-1]), self._backward(w, slice(None), pre, outputs)

    def _batch_grad(self, w: np.ndarray, idx: Any) -> np.ndarray:
        """Backpropagation at one point over the examples `idx`."""
        return self._backward(w, idx, *self.forward(w, self.X[idx]))

    def _backward(self, w: np.ndarray, idx: Any, pre: list[np.ndarray], outputs: list[np.ndarray]) -> np.ndarray:
        """The gradient over the examples `idx`, backpropagated from their forward pass (`pre`, `outputs`)."""
        y = self.y[idx]
        layers = self.unflatten(w)
        delta = softmax(pre[-1])
        delta[np.arange(len(y)), y] -= 1.0
        delta /= len(y)  # d(mean loss)/d(scores)
        grads = []
        for k in range(len(layers) - 1, -1, -1):
            W, _ = layers[k]
            grads.append((outputs[k].T @ delta, delta.sum(axis=0)))
            if k:
                delta = (delta @ W.T) * activation_slope(pre[k - 1], outputs[k], self.activation)
        return self.flatten(grads[::-1])

    def hessian_vector(self, w: Any, v: Any, eps: float = 1e-5) -> np.ndarray:
        """H·v by central differences of the gradient: (∇L(w + εv) − ∇L(w − εv))/(2ε)."""
        w, v = np.asarray(w, dtype=float), np.asarray(v, dtype=float)
        return (self.grad(w + eps * v) - self.grad(w - eps * v)) / (2.0 * eps)

    def hessian(self, w: Any) -> np.ndarray:
        """The D×D Hessian at each point, column by column from Hessian-vector products (D gradients: small networks only)."""
        return self._each_point(self._hessian, w, (self.dim, self.dim))

    def _hessian(self, w: np.ndarray) -> np.ndarray:
        """The D×D Hessian at one point."""
        columns = [self.hessian_vector(w, e) for e in np.eye(self.dim)]
        H = np.array(columns).T
        return (H + H.T) / 2

    def accuracy(self, w: Any, X: Any = None, y: Any = None) -> float:
        """The fraction of examples (default: the training set) whose highest score is their class."""
        scores = self.forward(w, X)[0][-1]
        labels = self.y if y is None else np.asarray(y)
        return float(np.mean(scores.argmax(axis=1) == labels))

    def dead_units(self, w: Any, X: Any = None) -> int:
        """Hidden units whose pre-activation is ≤ 0 on every example: a dead ReLU passes no gradient back."""
        pre = self.forward(w, X)[0][:-1]
        return int(sum(np.sum(np.all(z <= 0, axis=0)) for z in pre))
