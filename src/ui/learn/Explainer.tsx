/**
 * "What am I looking at?": the ideas behind the playground for students who arrive cold, in
 * the paper's words where it has them (Sections 3 and 4.3).
 */
export const PAPER_URL = 'https://www.ijcai.org/proceedings/2018/0440.pdf';

export function Explainer() {
  return (
    <section className="panel explainer" aria-labelledby="explainer-heading">
      <h2 id="explainer-heading">What am I looking at?</h2>
      <p>
        Each network here stacks <strong>blocks</strong> of small convolution layers (3×3 conv,
        batch norm, ReLU) and learns to name the object in a 32×32 photo (CIFAR-10: plane, car,
        bird, cat, …). The loss falls as it learns; the error is the share of photos it gets wrong.
      </p>
      <dl className="explainer-terms">
        <dt>Residual block (ResNet, Eq. 1)</dt>
        <dd>
          One branch of layers H, and a shortcut around it: x → x + H(x). The shortcut lets a signal
          skip the branch, so very deep networks still train.
        </dd>
        <dt>Inception-like block (DILNet, Eq. 2)</dt>
        <dd>
          Two branches side by side on one input, summed with the shortcut: x → x + H₁(x) + H₂(x).
          Wider, not deeper.
        </dd>
        <dt>Merge-and-run block (DMRNet, Eq. 3)</dt>
        <dd>
          Two streams, each with its own branch. The block <em>merges</em> the streams (their
          average) and adds it to both branches&apos; outputs, so each stream runs on with the
          merge: x₁ → H₁(x₁) + (x₁ + x₂)/2, x₂ → H₂(x₂) + (x₁ + x₂)/2.
        </dd>
        <dt>L and width</dt>
        <dd>
          L sets the depth (the paper&apos;s plain depth is 2L + 2 layers: more blocks per stage);
          the width multiplies the channels of every layer (16, 32, 64 × width). Both raise the
          parameter count and the cost of a step, which the estimate beside Start shows for this
          device.
        </dd>
        <dt>Average path length (Section 4.3)</dt>
        <dd>
          A signal can take many paths from input to output, through or around each branch.
          Merge-and-run networks have much shorter paths on average for the same depth (the Path
          lengths panel), and the paper finds shorter paths train more easily: Figure 6 plots test
          error against the average path length.
        </dd>
      </dl>
      <p>
        Hyperparameters: the <strong>batch</strong> is how many photos one step learns from
        (smaller: faster steps, noisier learning); the <strong>learning rate</strong> is the size of
        each step (too high and the loss jumps or becomes NaN); an <strong>epoch</strong> is one
        pass over the training photos.
      </p>
      <p>
        The paper: Liming Zhao, Jingdong Wang, Xi Li, Zhuowen Tu, Wenjun Zeng,{' '}
        <a href={PAPER_URL} target="_blank" rel="noreferrer">
          <em>Deep Convolutional Neural Networks with Merge-and-Run Mappings</em>
        </a>
        , IJCAI 2018.
      </p>
    </section>
  );
}
