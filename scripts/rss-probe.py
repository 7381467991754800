#!/usr/bin/env python3
"""Resident memory of a training run, step by step.

Runs a driver, reads its progress lines ("... step 40/200 ...") from stderr and
samples the process's resident set (VmRSS in /proc) every 50 ms. Prints, for each
step a progress line named, the largest RSS seen until the next one, then the
growth between two steps of your choosing, so a leak (RSS that climbs with the
step count) can be told from warm-up (RSS that climbs, then stays).

  scripts/rss-probe.py --from-step 30 --to-step 150 -- \\
      build/bin/translate --model transformer --task dates --steps 150 --eval-every 1000

Only Linux (it reads /proc/PID/status).
"""
import argparse
import re
import subprocess
import sys
import threading
import time

STEP = re.compile(r"\bstep (\d+)")


def resident_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except FileNotFoundError:
        pass
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from-step", type=int, default=0, help="first step of the growth reported")
    parser.add_argument("--to-step", type=int, default=0, help="last step of the growth reported (0: the last seen)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the driver and its flags")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")

    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    latest_step = [0]  # the last step the progress lines named

    def read_progress():
        for line in child.stderr:
            match = STEP.search(line)
            if match:
                latest_step[0] = int(match.group(1))

    reader = threading.Thread(target=read_progress)
    reader.start()
    rows = []  # (step, peak RSS MB seen while the progress lines stood at that step)
    while child.poll() is None:
        rss = resident_mb(child.pid)
        if rss is not None and latest_step[0] > 0:
            if rows and rows[-1][0] == latest_step[0]:
                rows[-1] = (latest_step[0], max(rows[-1][1], rss))
            else:
                rows.append((latest_step[0], rss))
        time.sleep(0.05)
    reader.join()
    if child.returncode != 0:
        sys.exit(f"rss-probe: {command[0]} exited with status {child.returncode}")
    if not rows:
        sys.exit("rss-probe: the command printed no progress line with 'step N' on stderr")

    print("step\tRSS MB")
    for step, rss in rows:
        print(f"{step}\t{rss:.1f}")
    first = min(rows, key=lambda r: abs(r[0] - args.from_step))
    last = rows[-1] if args.to_step == 0 else min(rows, key=lambda r: abs(r[0] - args.to_step))
    print(f"growth from step {first[0]} to step {last[0]}: {last[1] - first[1]:+.1f} MB "
          f"({first[1]:.1f} -> {last[1]:.1f})")


if __name__ == "__main__":
    main()
