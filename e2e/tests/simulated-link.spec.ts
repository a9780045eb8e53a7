import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures';

// The simulator's Link script on a bare page, driven the way any Plaid integration would:
// Plaid.create({token, onSuccess, onExit, onEvent}) and handler.open().
const SIM_HEADERS = { 'PLAID-CLIENT-ID': 'sim-client-id', 'PLAID-SECRET': 'sim-secret' };

async function linkToken(page: Page) {
  const response = await page.request.post('/sim/link/token/create', {
    headers: SIM_HEADERS,
    data: { client_name: 'Bare page', language: 'en', country_codes: ['US'], user: { client_user_id: 'bare' }, products: ['transactions'] },
  });
  expect(response.ok()).toBeTruthy();
  return (await response.json()).link_token as string;
}

async function barePage(page: Page, token: string) {
  await page.goto('/healthz'); // same origin as the simulator, nothing of the app
  await page.setContent(`<!doctype html><html><head><title>Bare Link</title></head><body>
    <button id="open">Open Link</button>
    <script src="/sim/link/link-initialize.js"></script>
    <script>
      window.events = [];
      const handler = Plaid.create({
        token: ${JSON.stringify(token)},
        onSuccess: (public_token, metadata) => { window.success = { public_token, metadata }; },
        onExit: (error, metadata) => { window.exited = { error, metadata }; },
        onEvent: (name) => window.events.push(name),
        onLoad: () => { window.loaded = true; },
      });
      document.getElementById('open').onclick = () => handler.open();
    </script></body></html>`);
  await page.waitForFunction(() => (window as any).loaded === true);
}

test('simulated Link on a bare page yields a public token that exchanges', async ({ page }) => {
  await barePage(page, await linkToken(page));
  await page.getByRole('button', { name: 'Open Link' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'First Platypus Bank' }).click();
  await dialog.getByLabel('Username').fill('user_good');
  await dialog.getByLabel('Password').fill('pass_good');
  await dialog.getByRole('button', { name: 'Submit' }).click();
  await dialog.getByRole('button', { name: 'Continue' }).click();
  await expect(dialog).toBeHidden();
  const success = await page.evaluate(() => (window as any).success);
  expect(success.public_token).toMatch(/^public-sandbox-/);
  expect(success.metadata.institution).toEqual({ name: 'First Platypus Bank', institution_id: 'ins_109508' });
  expect(success.metadata.accounts.map((a: any) => a.mask)).toEqual(['0000', '1111']);
  expect(success.metadata.link_session_id).toBeTruthy();
  const events = await page.evaluate(() => (window as any).events);
  expect(events).toEqual(expect.arrayContaining(['OPEN', 'SELECT_INSTITUTION', 'SUBMIT_CREDENTIALS', 'HANDOFF']));
  const exchanged = await page.request.post('/sim/item/public_token/exchange', {
    headers: SIM_HEADERS,
    data: { public_token: success.public_token },
  });
  expect(exchanged.ok()).toBeTruthy();
  expect((await exchanged.json()).access_token).toMatch(/^access-sandbox-/);
});

test('closing simulated Link calls onExit', async ({ page }) => {
  await barePage(page, await linkToken(page));
  await page.getByRole('button', { name: 'Open Link' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();
  const exited = await page.evaluate(() => (window as any).exited);
  expect(exited.error).toBeNull();
  expect(exited.metadata.link_session_id).toBeTruthy();
  expect(await page.evaluate(() => (window as any).events)).toContain('EXIT');
  expect(await page.evaluate(() => (window as any).success)).toBeUndefined();
});

test('an invalid link token ends in onExit with INVALID_LINK_TOKEN', async ({ page }) => {
  await page.goto('/healthz');
  await page.setContent(`<script src="/sim/link/link-initialize.js"></script><script>
    Plaid.create({ token: 'link-sandbox-expired', onExit: (error) => { window.exited = error; } });
  </script>`);
  await page.waitForFunction(() => (window as any).exited);
  expect(await page.evaluate(() => (window as any).exited.error_code)).toBe('INVALID_LINK_TOKEN');
});
