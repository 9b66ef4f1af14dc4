import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

/** Page object of the playground: the controls by role and name, as a person finds them. */
export class PlaygroundPage {
  constructor(
    readonly page: Page,
    readonly info: TestInfo,
  ) {}

  async open(hash = ''): Promise<void> {
    await this.page.goto(`/${hash}`);
    await expect(this.page.getByRole('status', { name: 'Training backend' })).toHaveText(
      /WebGPU|WebGL|CPU/,
      {
        timeout: 60_000,
      },
    );
  }

  get family(): Locator {
    return this.page.getByLabel('Network family');
  }
  get lSlider(): Locator {
    return this.page.getByRole('slider', { name: /^L \(plain depth/ });
  }
  get widthSlider(): Locator {
    return this.page.getByRole('slider', { name: /^Width \(widen factor\)/ });
  }
  get preset(): Locator {
    return this.page.getByLabel('Paper configuration');
  }
  get params(): Locator {
    return this.page.getByTestId('stat-params');
  }
  get graph(): Locator {
    return this.page.getByTestId('network-graph').locator('svg').first();
  }
  stageBlocks(stage: number): Locator {
    return this.page.getByTestId(`stage-${stage}-blocks`).getByTestId('block-item');
  }

  async paramCount(): Promise<number> {
    return Number(await this.params.getAttribute('data-value'));
  }

  /** A screenshot kept as a test artifact (and attached to the report). */
  async shot(name: string, target?: Locator): Promise<void> {
    const path = this.info.outputPath(`${name}.png`);
    if (target) await target.screenshot({ path });
    else await this.page.screenshot({ path, fullPage: true });
    await this.info.attach(name, { path, contentType: 'image/png' });
  }

  /**
   * Fills the hyperparameter form for a run that takes seconds on SwiftShader: 1 epoch of
   * `steps` steps of 4 images (the worker reports every 5 steps and at the end).
   */
  async tinyHyperparameters(steps = 6, testEvery = 3): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Hyperparameters' });
    await form.getByLabel('Epochs').fill('1');
    await form.getByLabel('Batch size').fill('4');
    await form.getByLabel('Training images per epoch (0: all)').fill(String(4 * steps));
    await form.getByLabel('Test images (0: all)').fill('8');
    await form.getByLabel('Test every N steps (0: each epoch)').fill(String(testEvery));
  }
}
