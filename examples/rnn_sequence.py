"""Train an LSTM on a memory task with truncated BPTT and gradient clipping.

The task (synthetic, no download): read a stream of random symbols and, at every step,
output the symbol seen ``--delay`` steps earlier. A model without memory scores chance,
log(vocab) nats. The stream is long, so it is cut into windows of ``--window`` steps:
each training step runs the LSTM (``fg.scan`` inside ``nn.LSTM``) over one window,
starting from the state the previous window ended in (passed on as plain data, so memory
stays bounded), and the gradient through the carried state is cut every
``--truncation`` steps inside the window (``fg.truncated_scan``). Adam updates the
parameters after ``clip_by_global_norm``, the usual guard against exploding gradients
in recurrent networks.

Try ``--truncation 2`` (shorter than the delay): the gradient can no longer connect an
output to the input it must recall, and the loss stalls near chance.

The picture (``--plot``) shows the loss and the accuracy per window against chance.

Run:  python examples/rnn_sequence.py             (about 5 s)
      python examples/rnn_sequence.py --steps 60  (quick)
"""

from __future__ import annotations

import argparse
import os

# Small matrices: one BLAS thread is fastest (and does not stall on a busy machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import _plots
import attrs
import numpy as np
from _progress import Progress

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn


@attrs.frozen
class Model:
    """An LSTM over one-hot symbols and a linear readout of each hidden state."""

    lstm: nn.LSTM
    readout: nn.Dense

    @classmethod
    def init(cls, key, vocab: int, hidden: int) -> Model:
        k_lstm, k_out = fg.random.split(key)
        return cls(
            nn.LSTM.init(k_lstm, vocab, hidden),
            nn.Dense.init(k_out, hidden, vocab, initializer="glorot_uniform"),
        )

    def __call__(self, xs, state, truncation=None):
        hs, state = self.lstm(xs, state, truncation=truncation)
        return self.readout(hs), state


def make_streams(batch: int, length: int, vocab: int, seed: int = 0) -> np.ndarray:
    """``batch`` independent streams of random symbols, shape (length, batch)."""
    return np.random.default_rng(seed).integers(0, vocab, size=(length, batch))


def loss_fn(model, xs, targets, state, truncation):
    """Mean cross-entropy over the window; the final LSTM state is the auxiliary output."""
    logits, state = model(xs, state, truncation)
    loss = nn.softmax_cross_entropy_with_integer_labels(logits, targets)
    accuracy = fnp.mean(fnp.argmax(logits, axis=-1) == targets)
    return loss, (state, accuracy)


def main(argv=None) -> tuple[float, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps (windows)")
    parser.add_argument("--window", type=int, default=20, help="steps per window")
    parser.add_argument("--truncation", type=int, default=10, help="BPTT truncation")
    parser.add_argument("--delay", type=int, default=3, help="how far back to recall")
    parser.add_argument("--vocab", type=int, default=6)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-2)
    parser.add_argument("--clip", type=float, default=1.0, help="max global gradient norm")
    _plots.add_arguments(parser, __file__)
    args = parser.parse_args(argv)

    symbols = make_streams(args.batch, args.steps * args.window + args.delay, args.vocab)
    inputs = np.eye(args.vocab)[symbols[args.delay :]]  # one-hot, (length, batch, vocab)
    targets = symbols[: -args.delay]  # the symbol seen `delay` steps before each input
    model = Model.init(fg.random.key(0), args.vocab, args.hidden)
    opt = fg.optim.chain(fg.optim.clip_by_global_norm(args.clip), fg.optim.adam(args.lr))
    opt_state = opt.init(model)
    step_fn = fg.value_and_grad(loss_fn, has_aux=True)
    print(
        f"recall the symbol {args.delay} steps back; vocab {args.vocab} (chance loss "
        f"{np.log(args.vocab):.3f}); LSTM {args.hidden} hidden, windows of {args.window} "
        f"steps, truncation {args.truncation}, clip {args.clip}"
    )
    state = None  # the LSTM's (h, c), carried from window to window
    average = max(1, args.steps // 10)  # report means over the last tenth of the run
    history: list[tuple[float, float]] = []
    with Progress(args.steps, "train") as progress:
        for step in range(args.steps):
            window = slice(step * args.window, (step + 1) * args.window)
            (loss, (state, acc)), grads = step_fn(
                model, inputs[window], targets[window], state, args.truncation
            )
            updates, opt_state = opt.update(grads, opt_state, model)
            model = fg.optim.apply_updates(model, updates)
            history.append((float(loss), float(acc)))
            mean_loss, mean_acc = np.mean(history[-average:], axis=0)
            progress.update(step + 1, loss=mean_loss, acc=f"{mean_acc:.1%}")
    print(f"done in {progress.elapsed:.1f} s: loss {mean_loss:.4f}, acc {mean_acc:.1%}")
    plt = _plots.pyplot(args)
    if plt is not None:
        losses, accs = np.array(history).T
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.8))
        ax_loss.plot(losses, alpha=0.8)
        ax_loss.axhline(np.log(args.vocab), color="gray", ls="--", label="chance, log(vocab)")
        ax_loss.set_ylabel("cross-entropy per step")
        ax_acc.plot(100 * accs, color="tab:orange", alpha=0.8)
        ax_acc.axhline(100 / args.vocab, color="gray", ls="--", label="chance")
        ax_acc.set_ylabel("recall accuracy %")
        for ax in (ax_loss, ax_acc):
            ax.set_xlabel("training step (window)")
            ax.legend()
        fig.suptitle(
            f"LSTM recalling the symbol {args.delay} steps back, truncation {args.truncation}"
        )
        _plots.save(fig, args.plot)
    return float(mean_loss), float(mean_acc)


if __name__ == "__main__":
    main()
