"""A character-level LSTM language model on text that ships with Python, in bits per char.

The corpus needs no download: the Zen of Python (the ``this`` module's text, stored
ROT13-encoded and decoded here) followed by the docstrings of some fifty standard-library
modules and their public functions and classes, about 250,000 characters of English
prose about programming (the exact text depends on the Python version). The last 10% is
held out. The model is ``rnn_sequence.py``'s: an LSTM over one-hot characters and a
linear readout, trained to predict each next character.

Training is truncated backpropagation through time with windows: the training text is
cut into ``--batch`` parallel strands, each step runs the LSTM over the next
``--window`` characters of every strand, starting from the state the previous window
ended in (passed on as plain data, so the gradient stops at the window's start and
memory stays bounded), and Adam updates the weights after ``clip_by_global_norm``.
Every tenth of the run it measures the held-out bits per character and prints a
sample. The baseline to beat is the unigram model (character frequencies alone).

Run:  python examples/char_rnn.py               (about a minute; --plot PATH for the PNG)
      python examples/char_rnn.py --steps 60    (quick)
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import importlib
import inspect
import io
import os
import re
import textwrap
import time
import warnings

# Small matrices: one BLAS thread is fastest (and does not stall on a busy machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import _plots
import numpy as np
from _progress import Progress
from rnn_sequence import Model

import funcgrad as fg
from funcgrad import nn, optim

# fmt: off
MODULES = (  # the docstrings of these standard-library modules
    "collections", "functools", "argparse", "textwrap", "random", "statistics", "json",
    "pathlib", "logging", "subprocess", "threading", "unittest", "email.message",
    "http.client", "csv", "heapq", "string", "dataclasses", "typing", "contextlib", "abc",
    "enum", "fractions", "shutil", "tempfile", "zipfile", "pickle", "inspect", "ast",
    "asyncio.tasks", "queue", "sched", "calendar", "datetime", "difflib", "pprint", "copy",
    "weakref", "socket", "urllib.parse", "optparse", "configparser", "gettext", "locale",
    "io", "os",
)
# fmt: on
LN2 = np.log(2.0)


def zen_of_python() -> str:
    """The ``this`` module's text, decoded (importing it prints it, so silence that)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return codecs.decode(this.s, "rot13")


def docstrings(module_name: str) -> list[str]:
    """The docstrings of a module and of the public functions and classes it defines."""
    with warnings.catch_warnings():  # reading deprecated names (typing.io, ...) warns
        warnings.simplefilter("ignore")
        module = importlib.import_module(module_name)
        docs = [inspect.getdoc(module) or ""]
        for name, obj in sorted(vars(module).items()):
            defined_here = getattr(obj, "__module__", None) == module.__name__
            documented = inspect.isroutine(obj) or inspect.isclass(obj)
            if defined_here and documented and not name.startswith("_"):
                docs.append(inspect.getdoc(obj) or "")
    return [d for d in docs if d]


def corpus(max_chars: int | None = None) -> str:
    """The Zen of Python, then the docstrings, as printable ASCII with single spaces (the
    docstrings' indented tables and code would otherwise teach the model long runs of
    blanks)."""
    text = "\n\n".join([zen_of_python()] + [d for m in MODULES for d in docstrings(m)])
    text = "".join(c for c in text if c == "\n" or " " <= c <= "~")
    text = re.sub(r" +", " ", re.sub(r" *\n *", "\n", text))
    return text[:max_chars]


def unigram_bits(train: np.ndarray, test: np.ndarray, vocab: int) -> float:
    """Held-out bits per character of the character-frequency model (add-one smoothed)."""
    p = (np.bincount(train, minlength=vocab) + 1.0) / (len(train) + vocab)
    return float(-np.mean(np.log2(p[test])))


def strands(ids: np.ndarray, count: int) -> np.ndarray:
    """``ids`` cut into ``count`` contiguous strands, time-major: (length, count)."""
    length = len(ids) // count
    return ids[: length * count].reshape(count, length).T


def loss_fn(model, xs, targets, state):
    """Mean cross-entropy (nats) of the next character; the final state is auxiliary."""
    logits, state = model(xs, state)
    return nn.softmax_cross_entropy_with_integer_labels(logits, targets), state


def held_out_bits(model, ids: np.ndarray, vocab: int, window: int = 256) -> float:
    """Bits per character on ``ids``, cut into 8 strands read side by side in windows
    (the state carried from window to window; plain numpy, nothing recorded)."""
    data = strands(ids, 8)
    eye = np.eye(vocab)
    state, total, count = None, 0.0, 0
    for start in range(0, len(data) - 1, window):
        xs, ys = data[start : start + window], data[start + 1 : start + window + 1]
        xs = xs[: len(ys)]
        logits, state = model(eye[xs], state)
        log_p = nn.log_softmax(logits)
        total -= float(np.sum(np.take_along_axis(log_p, ys[..., None], -1)))
        count += ys.size
    return total / count / LN2


def sample(model, chars: str, prime: str, length: int, rng, temperature: float = 0.7) -> str:
    """Text generated one character at a time from the LSTM's cell (plain numpy)."""
    index = {c: i for i, c in enumerate(chars)}
    eye = np.eye(len(chars))
    carry = None
    out = list(prime)
    for c in prime[:-1]:
        carry = _step(model, carry, eye[index[c]])[0]
    last = index[prime[-1]]
    for _ in range(length):
        carry, logits = _step(model, carry, eye[last])
        p = np.exp((logits - logits.max()) / temperature)
        last = int(rng.choice(len(chars), p=p / p.sum()))
        out.append(chars[last])
    return "".join(out)


def _step(model, carry, x):
    if carry is None:
        zeros = np.zeros(model.lstm.hidden_size)
        carry = (zeros, zeros)
    carry, h = model.lstm.cell(carry, x)
    return carry, model.readout(h)


def main(argv=None) -> tuple[float, float]:
    """Train; return (held-out bits per character, unigram bits per character)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200, help="training steps (windows)")
    parser.add_argument("--window", type=int, default=32, help="characters per window")
    parser.add_argument("--batch", type=int, default=32, help="parallel strands")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-2)
    parser.add_argument("--clip", type=float, default=1.0, help="max global gradient norm")
    parser.add_argument("--chars", type=int, default=None, help="use only this much text")
    parser.add_argument("--sample-length", type=int, default=160)
    _plots.add_arguments(parser, __file__)
    args = parser.parse_args(argv)

    text = corpus(args.chars)
    chars = "".join(sorted(set(text)))
    ids = _encode(text, chars)
    split = int(0.9 * len(ids))
    train_ids, test_ids = ids[:split], ids[split:]
    baseline = unigram_bits(train_ids, test_ids, len(chars))
    data = strands(train_ids, args.batch)
    eye = np.eye(len(chars))
    model = Model.init(fg.random.key(0), len(chars), args.hidden)
    opt = optim.chain(
        optim.clip_by_global_norm(args.clip),
        optim.adam(optim.cosine_decay_schedule(args.lr, args.steps, alpha=0.1)),
    )
    opt_state = opt.init(model)
    step_fn = fg.value_and_grad(loss_fn, has_aux=True)
    print(
        f"{len(text):,} characters ({len(chars)} distinct) of the Zen of Python and "
        f"standard-library docstrings, {len(test_ids):,} held out; unigram baseline "
        f"{baseline:.2f} bits/char. LSTM {args.hidden} hidden, {args.batch} strands, "
        f"windows of {args.window}, clip {args.clip}"
    )
    rng = np.random.default_rng(0)
    history: dict[str, list] = {"step": [], "train": [], "test": [], "sample": []}
    train_bits: list[float] = []
    state, position = None, 0
    start = time.perf_counter()
    evaluate_every = max(1, args.steps // 10)
    with Progress(args.steps, "train") as progress:
        for step in range(1, args.steps + 1):
            if position + args.window + 1 > len(data):
                state, position = None, 0  # one pass over the text done: start again
            xs = eye[data[position : position + args.window]]
            targets = data[position + 1 : position + args.window + 1]
            (loss, state), grads = step_fn(model, xs, targets, state)
            updates, opt_state = opt.update(grads, opt_state, model)
            model = optim.apply_updates(model, updates)
            position += args.window
            train_bits.append(float(loss) / LN2)
            progress.update(step, bits=float(np.mean(train_bits[-evaluate_every:])))
            if step % evaluate_every == 0 or step == args.steps:
                test_bits = held_out_bits(model, test_ids, len(chars))
                history["step"].append(step)
                history["train"].append(float(np.mean(train_bits[-evaluate_every:])))
                history["test"].append(test_bits)
                progress.set(held_out=f"{test_bits:.3f}")
                text_out = sample(model, chars, "The ", args.sample_length // 2, rng)
                history["sample"].append(text_out)
                progress.write(f"step {step}: held-out {test_bits:.3f} bits/char; sample:")
                progress.write("    " + text_out.replace("\n", "\n    "))
    final_bits = history["test"][-1]
    final_sample = sample(model, chars, "The ", args.sample_length, rng)
    print(
        f"done in {time.perf_counter() - start:.1f} s: held-out {final_bits:.3f} bits/char "
        f"against {baseline:.3f} for the unigram model "
        f"({100 * (1 - final_bits / baseline):.0f}% fewer bits)"
    )
    print("sample (temperature 0.7):\n    " + final_sample.replace("\n", "\n    "))
    plt = _plots.pyplot(args)
    if plt is not None:
        fig, (ax, text_ax) = plt.subplots(1, 2, figsize=(12, 4.2), width_ratios=[1, 1.2])
        seen = np.arange(1, len(train_bits) + 1)
        ax.plot(seen, train_bits, color="tab:blue", alpha=0.3, lw=0.8)
        ax.plot(history["step"], history["train"], color="tab:blue", label="training")
        ax.plot(history["step"], history["test"], "o-", color="tab:orange", label="held out")
        ax.axhline(baseline, color="gray", ls="--", label=f"unigram ({baseline:.2f})")
        ax.set_xlabel("training step (window)")
        ax.set_ylabel("bits per character")
        ax.set_title(f"char LSTM: {final_bits:.2f} bits/char held out")
        ax.legend()
        text_ax.axis("off")
        text_ax.set_title("what it writes (temperature 0.7)")
        picks = sorted({0, len(history["step"]) // 2, len(history["step"]) - 1})
        blocks = [
            f"step {history['step'][i]} ({history['test'][i]:.2f} bits/char):\n"
            + textwrap.fill(" ".join(history["sample"][i].split()), 72)
            for i in picks[:-1]
        ]
        blocks.append("after training:\n" + textwrap.fill(" ".join(final_sample.split()), 72))
        text_ax.text(0, 1, "\n\n".join(blocks), family="monospace", fontsize=8, va="top")
        _plots.save(fig, args.plot)
    return final_bits, baseline


def _encode(text: str, chars: str) -> np.ndarray:
    lookup = np.zeros(128, dtype=np.int64)
    lookup[[ord(c) for c in chars]] = np.arange(len(chars))
    return lookup[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]


if __name__ == "__main__":
    main()
