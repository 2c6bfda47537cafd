"""The PyTorch reference script that rnncli's training loop is compared with.

What a PyTorch user would write for `rnncli train DATA --scale minmax`: nn.LSTM + nn.Linear on
the last hidden state, Adam (lr 1e-3), min-max scaling fitted on the training rows, windows of
`past` rows -> `future` values of the target, the last 20 % of the windows for validation (the
same windows as rnncli: `rnncli.windows.split_windows`), shuffled mini-batches, a validation pass
after every epoch, keeping the best weights. No early stopping (rnncli is run with --patience 0).

    python bench/torch_reference.py sample_data/airline.csv --past 12 --future 6 --epochs 300 --hidden 32
    python bench/torch_reference.py sample_data/seattle_weather.csv --target temp_max --past 14 --future 7

bench/train_loop.py times it whole-process and, through `train`, per epoch in-process.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def windows(values: np.ndarray, past: int, future: int, val_frac: float = 0.2):
    """Min-max scaled windows: X (S, past, F) of every column, Y (S, future) of column 0; train/val
    slices as rnncli splits them, scaling fitted on the rows the training windows use."""
    from rnncli.model.windows import make_windows, split_windows, train_rows

    X, Y = make_windows(values, past, future, list(range(values.shape[1])), [0])
    train, val = split_windows(len(X), val_frac, future)
    rows = values[: train_rows(train, past, future)]
    lo, span = rows.min(axis=0), np.maximum(rows.max(axis=0) - rows.min(axis=0), 1e-12)
    X = ((X - lo) / span).astype(np.float32)
    Y = ((Y[:, :, 0] - lo[0]) / span[0]).astype(np.float32)
    return X[train], Y[train], X[val], Y[val]


def train(X, Y, X_val, Y_val, hidden: int, epochs: int, batch_size: int = 32, seed: int = 0,
          on_epoch=None):
    """Train the reference network; `on_epoch(epoch)` after each epoch's validation. Returns the
    best validation MSE."""
    import torch

    torch.manual_seed(seed)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(X.shape[2], hidden, batch_first=True)
            self.head = torch.nn.Linear(hidden, Y.shape[1])

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    X, Y = torch.from_numpy(X), torch.from_numpy(Y)
    X_val, Y_val = torch.from_numpy(X_val), torch.from_numpy(Y_val)
    best, best_state = float("inf"), None
    for epoch in range(1, epochs + 1):
        net.train()
        perm = torch.randperm(len(X))
        for start in range(0, len(X), batch_size):
            idx = perm[start : start + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(X[idx]), Y[idx])
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            val = float(loss_fn(net(X_val), Y_val)) if len(X_val) else float(loss)
        if val < best:
            best, best_state = val, {k: v.clone() for k, v in net.state_dict().items()}
        if on_epoch is not None:
            on_epoch(epoch)
    net.load_state_dict(best_state)
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("csv")
    p.add_argument("--past", type=int, default=12)
    p.add_argument("--future", type=int, default=6)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--target", default=None, help="the target column (default: the first numeric one)")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = p.parse_args()
    import pandas as pd
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    frame = pd.read_csv(args.csv).select_dtypes("number")
    if args.target:  # the target first; every numeric column is a feature
        frame = frame[[args.target, *[c for c in frame.columns if c != args.target]]]
    values = frame.to_numpy(dtype=np.float64)
    t0 = time.perf_counter()
    best = train(*windows(values, args.past, args.future), args.hidden, args.epochs, args.batch_size)
    print(f"best validation MSE {best:.6f} after {args.epochs} epochs in {time.perf_counter() - t0:.2f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
