/**
 * train.py of the exported PyTorch project: the paper's recipe (Section 4.2) under torchrun
 * and DistributedDataParallel (nccl on GPUs, gloo on CPUs), optional mixed precision,
 * checkpoints with resume, and metrics as CSV and JSON in the playground's import format
 * (src/export/metrics.ts reads them). Python source kept verbatim (String.raw).
 */
export const TRAIN_PY = String.raw`"""Train the exported network with the paper's recipe, on one or many GPUs (or CPUs).

    python3 train.py --data ~/data/cifar-10-batches-bin                       # one GPU / CPU
    torchrun --nproc_per_node 8 train.py --data ~/data/cifar-10-batches-bin   # 8 GPUs
    torchrun --nnodes 2 --node_rank 0 --master_addr HOST --master_port 29500 \
        --nproc_per_node 8 train.py --data ...                                # 2 nodes

Recipe (Section 4.2): SGD with Nesterov momentum 0.9, weight decay 1e-4, total batch 64, lr 0.1
divided by 10 at 1/2, 3/4 and 7/8 of the steps (400 epochs on CIFAR, 40 on SVHN), He init; pad 4,
random 32x32 crop and horizontal flip on CIFAR (none on SVHN); per-channel normalisation.
Where the paper says nothing or the authors' code differs (the playground's README, "Recipe"):
weight decay on every parameter, biases and BN beta too, as the authors' own Nesterov optimizer
(--decay weights-gamma: MXNet's default); zero padding (--pad-fill mean: the channel means of
the authors' train_model.py); BN over the whole per-process batch (--bn-batch 32: the paper's
64 images on two GPUs, ghost batch norm on one).
Metrics go to OUT/metrics.csv and OUT/metrics.json (the playground imports either).
"""
import argparse
import contextlib
import csv
import io
import json
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F

import data as datasets
import model as net

METRICS_FORMAT = "dmrnet-playground-metrics"
# One row per epoch (the last may be partial); errors are fractions of misclassified images.
METRICS_COLUMNS = ["epoch", "step", "lr", "train_loss", "train_error", "test_loss", "test_error",
                   "images_per_sec", "elapsed_s"]
LR_DROPS = (0.5, 0.75, 0.875)  # fractions of the planned steps where the learning rate drops
LR_FACTOR = 0.1


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with the dataset's official files")
    p.add_argument("--dataset", choices=datasets.DATASETS, default="__DATASET__")
    p.add_argument("--spec", help="a NetworkSpec JSON file instead of the one in model.py")
    p.add_argument("--weights", help="start from these weights (e.g. the playground's weights.safetensors)")
    p.add_argument("--out", default="runs/__RUN_NAME__", help="checkpoints, metrics and final weights go here")
    p.add_argument("--epochs", type=int, help="default: 400 (CIFAR) or 40 (SVHN), as the paper")
    p.add_argument("--batch-size", type=int, default=64, help="total over all processes (paper: 64)")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--decay", choices=("all", "weights-gamma"), default="all",
                   help="weight decay on all parameters (authors' code) or on weights and BN gamma only (MXNet default)")
    p.add_argument("--pad-fill", choices=("zero", "mean"), default="zero",
                   help="padding before the random crop: zero (paper) or the rounded channel means (authors' train_model.py)")
    p.add_argument("--bn-batch", type=int, default=0,
                   help="ghost batch norm: BN statistics over groups of N images of each process's batch "
                        "(32 at batch 64: the paper's two GPUs on one); 0: the whole batch")
    p.add_argument("--amp", action="store_true", help="mixed precision (float16 autocast + loss scaling) on GPUs")
    p.add_argument("--channels-last", action="store_true", help="NHWC memory layout (faster with --amp on GPUs)")
    p.add_argument("--resume", nargs="?", const="auto",
                   help="continue from a checkpoint (default OUT/checkpoint.pt), at the step where it stopped")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (smoke tests, benchmarks)")
    p.add_argument("--eval-only", action="store_true",
                   help="only evaluate (e.g. --weights from the playground) on the test set, then stop")
    p.add_argument("--eval-every", type=int, default=1, help="evaluate every N epochs (and always at the end)")
    p.add_argument("--svhn-no-extra", action="store_true", help="SVHN: train on train_32x32.mat only")
    p.add_argument("--svhn-holdout", action="store_true",
                   help="SVHN: hold out 400/class of train and 200/class of extra, as the paper")
    p.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is there")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def fail(message):
    print("error: %s" % message, file=sys.stderr)
    sys.exit(2)


class Distributed:
    """torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; without them this is one process."""

    def __init__(self, use_cuda):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(self.world)))
        if use_cuda:
            torch.cuda.set_device(self.local_rank)
            self.device = torch.device("cuda", self.local_rank)
        else:
            self.device = torch.device("cpu")
            # One process per core group: no thread oversubscription with several processes.
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
        # Under torchrun (even with one process) join the process group; DDP wraps the model
        # only with several processes (on one H100 it halves a small net's speed for nothing).
        self.enabled = "RANK" in os.environ and "WORLD_SIZE" in os.environ
        if self.enabled:
            if not use_cuda and local_world == self.world and sys.platform.startswith("linux"):
                # All processes on this machine: gloo on loopback, not on the address the
                # hostname resolves to (a sandbox may accept no connections there, and the
                # peers would wait out the 30-minute timeout).
                os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
            dist.init_process_group(backend="nccl" if use_cuda else "gloo")

    @property
    def main(self):
        return self.rank == 0

    def sum(self, values):
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.enabled:
            dist.all_reduce(t)
        return t.tolist()

    def close(self):
        if self.enabled:
            # All ranks leave together: rank 0 is still writing files when the others get
            # here, and a gloo peer that tears down early can leave the rest hanging at exit
            # (seen with torch 1.13 on CPU: the run finished, then torchrun never returned;
            # pytorch/pytorch#75097, a barrier first is the known remedy).
            dist.barrier()
            dist.destroy_process_group()


def lr_at_step(step, total_steps, base_lr):
    """Step schedule: base_lr times LR_FACTOR at each of LR_DROPS fractions of the planned steps,
    exact (no rounding: 1/2, 3/4, 7/8 of an integer are exact floats), so a 1-epoch run still
    passes all three drops. The playground's src/model/schedule.ts, operation for operation."""
    lr = base_lr
    for f in LR_DROPS:
        if step >= f * total_steps:
            lr *= LR_FACTOR
    return lr


def make_optimizer(model, args):
    """SGD with Nesterov momentum; weight decay on every parameter (--decay all: the authors'
    fusenet optimizer decays each _weight, _bias, _gamma and _beta) or not on biases and BN beta
    (--decay weights-gamma: MXNet's default wd_mult)."""
    named = list(model.named_parameters())
    if args.decay == "all":
        groups = [{"params": [p for _, p in named]}]
    else:
        exempt = (".bias", ".beta")
        groups = [{"params": [p for n, p in named if not n.endswith(exempt)]},
                  {"params": [p for n, p in named if n.endswith(exempt)], "weight_decay": 0.0}]
    return torch.optim.SGD(groups, lr=args.lr, momentum=args.momentum, nesterov=True,
                           weight_decay=args.weight_decay)


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def write_metrics(out, rows, meta):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=METRICS_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r[k] for k in METRICS_COLUMNS})
    write_atomically(os.path.join(out, "metrics.csv"), buf.getvalue())
    doc = dict(meta)
    doc["rows"] = rows
    write_atomically(os.path.join(out, "metrics.json"), json.dumps(doc, indent=1))


def evaluate(model, images, labels, mean, std, d, channels_last, use_amp):
    """Loss and error on the test set: each rank evaluates its share, the sums are reduced."""
    model.eval()
    loss_sum, correct, count = 0.0, 0.0, 0
    shard = torch.arange(d.rank, images.shape[0], d.world, device=images.device)
    with torch.no_grad():
        for i in range(0, shard.numel(), 500):
            idx = shard[i:i + 500]
            x = normalize(images[idx], mean, std, channels_last)
            y = labels[idx]
            with mixed_precision(use_amp):
                logits = model(x)
            loss_sum += F.cross_entropy(logits.float(), y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            count += idx.numel()
    loss_sum, correct, count = d.sum([loss_sum, correct, count])
    model.train()
    return loss_sum / max(count, 1), 1.0 - correct / max(count, 1)


def mixed_precision(enabled):
    """float16 autocast on GPUs (--amp); a no-op otherwise (CPU autocast takes only bfloat16)."""
    return torch.autocast(device_type="cuda", dtype=torch.float16) if enabled else contextlib.nullcontext()


def normalize(batch, mean, std, channels_last):
    x = (batch.float() / 255.0 - mean) / std
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def main(argv=None):
    args = parse_args(argv)
    if args.epochs is None:
        args.epochs = 40 if args.dataset == "svhn" else 400
    use_cuda = torch.cuda.is_available() and not args.cpu
    d = Distributed(use_cuda)
    use_amp = args.amp and use_cuda
    if args.amp and not use_cuda and d.main:
        print("note: --amp needs a GPU; training in float32 on the CPU")

    try:
        spec = net.load_spec(args.spec)
        model = net.build_model(spec)
    except net.SpecError as e:
        fail("unsupported network: %s" % e)
    try:
        (train_x, train_y), (test_x, test_y) = datasets.load_dataset(
            args.dataset, args.data, svhn_extra=not args.svhn_no_extra, svhn_holdout=args.svhn_holdout)
    except datasets.DataError as e:
        fail(str(e))
    classes = datasets.CLASSES[args.dataset]
    if spec["classes"] != classes:
        fail("the network has %d classes but %s has %d: export it again with %d classes"
             % (spec["classes"], args.dataset, classes, classes))
    if args.batch_size % d.world != 0:
        fail("--batch-size %d does not split evenly over %d processes" % (args.batch_size, d.world))
    local_batch = args.batch_size // d.world
    if args.bn_batch < 0 or (0 < args.bn_batch < local_batch and local_batch % args.bn_batch):
        fail("--bn-batch %d must divide each process's batch of %d (e.g. 32 of 64)" % (args.bn_batch, local_batch))
    steps_per_epoch = train_x.shape[0] // args.batch_size
    if steps_per_epoch == 0:
        fail("%d training images are fewer than one batch of %d" % (train_x.shape[0], args.batch_size))

    torch.manual_seed(args.seed)
    model = net.build_model(spec)  # rebuilt after seeding: the same initial weights on every rank
    if args.weights:
        try:
            net.load_weights(model, args.weights)
        except net.WeightsError as e:
            fail(str(e))
    net.set_bn_batch(model, args.bn_batch if args.bn_batch < local_batch else 0)
    model.to(d.device)
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
    params = net.count_parameters(model)
    mean_list, std_list = datasets.channel_stats(train_x)
    mean = torch.tensor(mean_list, device=d.device).view(1, 3, 1, 1)
    std = torch.tensor(std_list, device=d.device).view(1, 3, 1, 1)
    fill = datasets.pad_fill(args.pad_fill, mean_list)
    # The whole dataset lives on the device as uint8; batches are gathered and augmented there.
    train_x = torch.from_numpy(train_x).to(d.device)
    train_y = torch.from_numpy(train_y).to(d.device)
    test_x = torch.from_numpy(test_x).to(d.device)
    test_y = torch.from_numpy(test_y).to(d.device)

    if args.eval_only:
        loss, error = evaluate(model, test_x, test_y, mean, std, d, args.channels_last, use_amp)
        if d.main:
            print("test loss %.4f error %.4f (%d images, %s)"
                  % (loss, error, test_x.shape[0], args.weights or "initial weights"))
        d.close()
        return

    ddp = torch.nn.parallel.DistributedDataParallel(
        model, device_ids=[d.local_rank] if use_cuda else None) if d.world > 1 else model
    optimizer = make_optimizer(model, args)
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    else:
        scaler = torch.cuda.amp.GradScaler(enabled=use_amp)

    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    start_epoch, skip, step, rows, elapsed0 = 0, 0, 0, [], 0.0
    if args.resume:
        path = ckpt_path if args.resume == "auto" else args.resume
        if not os.path.isfile(path):
            fail("no checkpoint at %s to resume from (train without --resume first)" % path)
        try:
            ckpt = torch.load(path, map_location=d.device)
            model.load_state_dict(ckpt["model"])
            # A run resumes with the decay rule it trained with (checkpoints from before
            # --decay: weights and gamma only); the optimizer's parameter groups follow it.
            trained = ckpt.get("recipe", {}).get("decay", "weights-gamma")
            if trained != args.decay:
                if d.main:
                    print("note: %s trained with --decay %s; resuming with it" % (path, trained))
                args.decay = trained
                optimizer = make_optimizer(model, args)
            optimizer.load_state_dict(ckpt["optimizer"])
            scaler.load_state_dict(ckpt["scaler"])
        except Exception as e:  # a damaged or foreign file: say so instead of a traceback
            fail("checkpoint %s cannot be loaded (%s)" % (path, e))
        step, rows, elapsed0 = ckpt["step"], ckpt["rows"], ckpt["elapsed_s"]
        if ckpt["steps_per_epoch"] == steps_per_epoch:
            # Each epoch's order is a function of (seed, epoch): skip the steps already done.
            start_epoch, skip = divmod(step, steps_per_epoch)
        else:  # another batch size or dataset: carry on from the last whole epoch
            start_epoch = ckpt["epoch"]
        if d.main:
            print("resumed from %s at epoch %d, step %d" % (path, start_epoch, step))

    meta = {"format": METRICS_FORMAT, "version": 1, "source": "pytorch", "network": spec.get("name", ""),
            "dataset": args.dataset, "params": params, "world_size": d.world, "batch_size": args.batch_size,
            "amp": use_amp, "device": torch.cuda.get_device_name(d.device) if use_cuda else "cpu",
            "torch": torch.__version__, "epochs": args.epochs, "spec": spec,
            "recipe": {"decay": args.decay, "pad_fill": args.pad_fill, "bn_batch": args.bn_batch}}
    if d.main:
        print("%s: %d parameters, %s, %d train / %d test images, %d process(es) on %s, batch %d (%d each)%s"
              % (meta["network"], params, args.dataset, train_x.shape[0], test_x.shape[0], d.world,
                 meta["device"], args.batch_size, local_batch, ", amp" if use_amp else ""))

    t_start = time.time()
    stop = False
    augment = args.dataset != "svhn"  # the paper augments CIFAR only
    total_steps = args.epochs * steps_per_epoch
    lr = lr_at_step(step, total_steps, args.lr)
    for epoch in range(start_epoch, args.epochs):
        g = torch.Generator().manual_seed(args.seed * 100003 + epoch)  # same permutation on every rank
        order = torch.randperm(train_x.shape[0], generator=g)[: steps_per_epoch * args.batch_size]
        mine = order.view(steps_per_epoch, args.batch_size)[:, d.rank * local_batch:(d.rank + 1) * local_batch]
        mine = mine.to(d.device)
        aug_g = torch.Generator().manual_seed((args.seed * 100003 + epoch) * 1009 + d.rank)  # per-rank crops
        loss_sum = torch.zeros((), device=d.device, dtype=torch.float64)
        correct = torch.zeros((), device=d.device, dtype=torch.float64)
        seen = 0
        if use_cuda:
            torch.cuda.synchronize()
        t0 = time.time()
        first = skip if epoch == start_epoch else 0
        i = first - 1
        for i in range(first, steps_per_epoch):
            lr = lr_at_step(step, total_steps, args.lr)
            for group in optimizer.param_groups:
                group["lr"] = lr
            idx = mine[i]
            batch = train_x[idx]
            if augment:
                batch = datasets.augment(batch, aug_g, fill)
            x = normalize(batch, mean, std, args.channels_last)
            y = train_y[idx]
            with mixed_precision(use_amp):
                logits = ddp(x)
                loss = F.cross_entropy(logits.float(), y)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            loss_sum += loss.detach().double() * y.numel()
            correct += (logits.detach().argmax(1) == y).sum().double()
            seen += y.numel()
            step += 1
            if args.max_steps and step >= args.max_steps:
                stop = True
                break
        if use_cuda:
            torch.cuda.synchronize()
        train_time = time.time() - t0
        tl, tc, tn, tt = d.sum([loss_sum.item(), correct.item(), seen, train_time])
        if tn == 0:  # resumed exactly at the end of an epoch
            continue
        images_per_sec = tn / (tt / d.world) if tt > 0 else 0.0
        finished = stop or epoch + 1 == args.epochs
        row = {"epoch": round(step / steps_per_epoch, 4), "step": step, "lr": lr,
               "train_loss": tl / tn, "train_error": 1.0 - tc / tn, "test_loss": None, "test_error": None,
               "images_per_sec": round(images_per_sec, 1), "elapsed_s": None}
        if finished or (args.eval_every > 0 and (epoch + 1) % args.eval_every == 0):
            row["test_loss"], row["test_error"] = evaluate(ddp, test_x, test_y, mean, std, d, args.channels_last, use_amp)
        row["elapsed_s"] = round(elapsed0 + time.time() - t_start, 2)
        rows.append(row)
        if d.main:
            print("epoch %s step %d lr %g train loss %.4f error %.4f%s  %.0f images/s"
                  % (row["epoch"], step, lr, row["train_loss"], row["train_error"],
                     "" if row["test_error"] is None else "  test loss %.4f error %.4f" % (row["test_loss"], row["test_error"]),
                     images_per_sec), flush=True)
            write_metrics(args.out, rows, meta)
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
                     "epoch": epoch + 1 if i + 1 == steps_per_epoch else epoch, "step": step,
                     "steps_per_epoch": steps_per_epoch, "rows": rows,
                     "elapsed_s": row["elapsed_s"], "spec": spec, "recipe": meta["recipe"]}
            torch.save(state, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)  # never a half-written checkpoint
        if stop:
            break

    if d.main:
        net.write_safetensors(os.path.join(args.out, "weights.safetensors"), model.state_dict(),
                              {"network": spec.get("name", ""), "step": step, "source": "train.py"})
        print("wrote %s (metrics.csv, metrics.json, checkpoint.pt, weights.safetensors)" % args.out)
    d.close()


if __name__ == "__main__":
    main()
    if "RANK" in os.environ:
        # Under torchrun, leave without Python's teardown once everything is written and the
        # ranks have met: with torch 1.13's gloo a finished run sometimes never exits (twice in
        # clean-clone CI, after the barrier; pytorch/pytorch#75097), and torchrun waits on it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
`;
