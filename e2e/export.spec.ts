import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { openDrawer } from './startHelpers';

test('downloads the PyTorch project of the editor network and imports PyTorch metrics into the runs', async ({
  page,
}) => {
  await page.goto('/');
  await openDrawer(page, 'Export');
  const panel = page.getByTestId('export-panel');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    panel.getByRole('button', { name: 'Download PyTorch project (.zip)' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/-pytorch\.zip$/);
  const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const names = Object.keys(files).map((n) => n.replace(/^[^/]+\//, ''));
  expect(names.sort()).toEqual(
    ['README.md', 'data.py', 'model.py', 'requirements.txt', 'spec.json', 'train.py'].sort(),
  );
  const model = Object.entries(files).find(([n]) => n.endsWith('/model.py'))?.[1];
  expect(strFromU8(model as Uint8Array)).toContain('class Network(nn.Module)');
  await expect(panel.getByRole('status')).toContainText('Downloaded');

  const input = panel.getByLabel('Import PyTorch metrics (metrics.csv or metrics.json)');
  await input.setInputFiles({
    name: 'metrics.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(
      'epoch,step,lr,train_loss,train_error,test_loss,test_error\n1,25,0.1,2.1,0.8,2.0,0.75\n2,50,0.1,1.9,0.7,1.8,0.65\n',
    ),
  });
  await expect(panel.getByRole('status')).toContainText('Imported "metrics (PyTorch)"');
  await expect(page.locator('section[aria-labelledby="runs-heading"]')).toContainText(
    'metrics (PyTorch)',
  );
  await panel.getByRole('button', { name: 'Remove imported PyTorch runs (1)' }).click();
  await expect(panel.getByRole('status')).toHaveText('Removed the imported runs.');
  await expect(page.locator('section[aria-labelledby="runs-heading"]')).not.toContainText(
    'metrics (PyTorch)',
  );

  await input.setInputFiles({
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('a,b\n1,2\n'),
  });
  await expect(panel.getByRole('alert')).toContainText(
    'Could not import bad.csv: not a train.py metrics CSV',
  );
});
