#!/usr/bin/env python3
"""PyTorch's time for one training step of classify's CNN, the peer for heed's ms/step.

The model is `classify --model cnn --channels 32,64,32,64 [--attention cbam]`: four blocks of
3x3 conv -> batch norm -> ReLU -> (CBAM: channel gate, reduction 8, then a 7x7 spatial gate)
-> 2x2 max pool, then 128 hidden units and 10 classes; a step is forward, cross-entropy,
backward and Adam on a batch of 128 images of 28 x 28. Prints the median of 35 steps after 5
warm-up steps. Compare with heed in the same sitting (docs/results-vision.md, "Speed"):

    python3 scripts/torch-cnn-step.py [--cbam] [--threads 1]
    build/bin/classify --model cnn --channels 32,64,32,64 [--attention cbam] --steps 40 --threads 1 \
        --train-limit 6000 --valid-size 500 --quiet --out /tmp/heed-step --overwrite

Needs `pip install torch`; nothing in the build or the tests does.
"""
import argparse
import time

import torch


class Cbam(torch.nn.Module):
    def __init__(self, channels, reduction=8, kernel=7):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(channels, hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(hidden, channels))
        self.conv = torch.nn.Conv2d(2, 1, kernel, padding=kernel // 2)

    def forward(self, x):
        gate = torch.sigmoid(self.mlp(x.mean((2, 3))) + self.mlp(x.amax((2, 3))))
        x = x * gate[:, :, None, None]
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.conv(pooled))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cbam", action="store_true", help="CBAM after every block")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layers, channels = [], 1
    for out in [32, 64, 32, 64]:
        layers += [torch.nn.Conv2d(channels, out, 3, padding=1), torch.nn.BatchNorm2d(out), torch.nn.ReLU()]
        layers += [Cbam(out)] if args.cbam else []
        layers += [torch.nn.MaxPool2d(2)]
        channels = out
    model = torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), 2e-3)
    x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    times = []
    for _ in range(40):
        start = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    steady = sorted(times[5:])
    print(f"torch {torch.__version__}, {args.threads} thread(s), {'cbam' if args.cbam else 'plain'} CNN: "
          f"{1000 * steady[len(steady) // 2]:.1f} ms/step (median of {len(steady)})")


if __name__ == "__main__":
    main()
