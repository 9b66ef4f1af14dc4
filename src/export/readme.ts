/** README.md of the exported project: what it is and the exact commands. */
import type { DatasetKind } from '../model/dataset';
import type { NetworkSpec } from '../model/spec';

/** The datasets the exported train.py reads. */
export type ExportDataset = DatasetKind;

export interface ReadmeFacts {
  spec: NetworkSpec;
  params: number;
  dataset: ExportDataset;
  runName: string;
  hasWeights: boolean;
}

const DATA_STEPS: Record<ExportDataset, { fetch: string; folder: string }> = {
  cifar10: {
    fetch:
      'mkdir -p data && curl -L https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz | tar xz -C data',
    folder: 'data/cifar-10-batches-bin',
  },
  cifar100: {
    fetch:
      'mkdir -p data && curl -L https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz | tar xz -C data',
    folder: 'data/cifar-100-binary',
  },
  svhn: {
    fetch:
      'mkdir -p data/svhn && for s in train test extra; do curl -L -o data/svhn/${s}_32x32.mat http://ufldl.stanford.edu/housenumbers/${s}_32x32.mat; done',
    folder: 'data/svhn',
  },
};

export function projectReadme(f: ReadmeFacts): string {
  const d = DATA_STEPS[f.dataset];
  const ds = f.dataset === 'cifar10' ? '' : ` --dataset ${f.dataset}`;
  const epochs = f.dataset === 'svhn' ? 40 : 400;
  const weights = f.hasWeights
    ? [
        '',
        '## The browser-trained weights',
        '',
        '`weights.safetensors` holds the weights of the playground run, under the same names as',
        "`model.py`'s parameters (conv kernels converted from tfjs HWIO to PyTorch OIHW, the",
        'classifier transposed). Check that they load, then continue training from them:',
        '',
        '```sh',
        'python3 model.py --weights weights.safetensors',
        `python3 train.py --data ${d.folder}${ds} --weights weights.safetensors --eval-only   # test error`,
        `python3 train.py --data ${d.folder}${ds} --weights weights.safetensors               # train on`,
        '```',
      ]
    : [];
  return [
    `# ${f.spec.name}: PyTorch project`,
    '',
    'Exported by the DMRNet Playground, for the paper _Deep Convolutional Neural Networks with',
    'Merge-and-Run Mappings_ (Zhao, Wang, Li, Tu, Zeng; IJCAI 2018).',
    '',
    `- \`model.py\`: the network (${f.params.toLocaleString('en-US')} trainable parameters), built from`,
    "  `spec.json`'s NetworkSpec with the playground's parameter names; it reads and writes",
    '  `.safetensors` weights.',
    "- `train.py`: the paper's recipe (Section 4.2) with torchrun and DistributedDataParallel.",
    '- `data.py`: CIFAR-10 / CIFAR-100 binary and SVHN `.mat` readers for the official files.',
    '',
    '## Setup',
    '',
    '```sh',
    'python3 -m pip install -r requirements.txt   # or, on Debian: sudo apt-get install python3-torch',
    `python3 model.py                              # prints "parameters: ${f.params}"`,
    d.fetch,
    '```',
    '',
    '## Train',
    '',
    '```sh',
    `# one GPU (or the CPU), ${epochs} epochs, total batch 64, lr 0.1 / 10 at 1/2, 3/4, 7/8`,
    `python3 train.py --data ${d.folder}${ds}`,
    '',
    '# all GPUs of this machine (the batch of 64 is split over the processes; the paper used 2 GPUs)',
    `torchrun --standalone --nproc_per_node 2 train.py --data ${d.folder}${ds} --amp`,
    '',
    '# two machines with 8 GPUs each: run on each, with --node_rank 0 and 1',
    `torchrun --nnodes 2 --node_rank 0 --master_addr HOST0 --master_port 29500 --nproc_per_node 8 train.py --data ${d.folder}${ds} --batch-size 128 --amp`,
    '',
    '# carry on after an interruption (from the last checkpoint, at the start of its epoch)',
    `python3 train.py --data ${d.folder}${ds} --resume`,
    '',
    "# smoke test: 2 processes on the CPU (gloo), a few steps (--redirects 1 --tee 1: Debian 12's",
    '# PyTorch 1.13 torchrun fails on Python 3.11 without them; harmless elsewhere)',
    `python3 -m torch.distributed.run --nproc_per_node 2 --redirects 1 --tee 1 train.py --cpu --data ${d.folder}${ds} --epochs 1 --max-steps 5`,
    '```',
    '',
    'Options: `--epochs`, `--batch-size` (total), `--lr`, `--weight-decay`, `--amp` (float16 on',
    'GPUs), `--channels-last`, `--out DIR`, `--resume [CHECKPOINT]`, `--weights FILE`, `--max-steps`,',
    "`--eval-every N`, `--eval-only`, `--svhn-holdout` (the paper's 6,000-image hold-out), `--cpu`, `--seed`.",
    'GPUs use NCCL, CPUs gloo. `python3 train.py --help` lists them all.',
    '',
    'Recipe choices the paper leaves open: `--decay all` (default: weight decay on every parameter,',
    "biases and BN beta too, as the authors' own Nesterov optimizer) or `--decay weights-gamma`",
    "(MXNet's default); `--pad-fill zero` (default, the paper's zero padding) or `mean` (the",
    "channel means of the authors' train_model.py); `--bn-batch 32` for BN over 32 images as on",
    "the paper's two GPUs (ghost batch norm; default 0: the whole per-process batch). The learning",
    'rate drops at exactly 1/2, 3/4 and 7/8 of the steps, so even `--epochs 1` reaches 0.0001.',
    '',
    '## Outputs',
    '',
    `Under \`runs/${f.runName}/\` (or \`--out\`):`,
    '',
    '- `metrics.csv` and `metrics.json`: one row per epoch: `epoch, step, lr, train_loss, train_error,',
    '  test_loss, test_error, images_per_sec, elapsed_s`. Import either into the playground',
    '  (Export panel, "Import PyTorch metrics") to see the curves beside the browser runs.',
    '- `checkpoint.pt`: model, optimizer and loss-scaler state, written atomically every epoch.',
    "- `weights.safetensors`: the final weights, under the playground's names.",
    ...weights,
    '',
    '## Data',
    '',
    'CIFAR-10 and CIFAR-100: A. Krizhevsky, _Learning Multiple Layers of Features from Tiny',
    'Images_, 2009. SVHN: Y. Netzer et al., _Reading Digits in Natural Images with Unsupervised',
    'Feature Learning_, 2011. Download them from their sites; this project ships no data.',
    '',
  ].join('\n');
}
