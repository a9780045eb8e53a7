import { spawn } from 'node:child_process';
import { test, expect } from '../fixtures';
import { signInAs } from '../pages/auth';

// Two app instances on one Postgres, each relaying the outbox to NATS JetStream: scripts/test.sh
// starts the second one (OTHER_INSTANCE_URL) in its Postgres pass, with the stream settings
// and the server binary for `app events tail`.
const A = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const B = process.env.OTHER_INSTANCE_URL;

/** The stream's events (`app events tail --from-start`) until `done` holds or 20 s pass. */
async function streamEvents(done: (events: any[]) => boolean): Promise<any[]> {
  const tail = spawn(process.env.APP_BIN!, ['events', 'tail', '--from-start'], { env: process.env });
  const events: any[] = [];
  let buffered = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => tail.kill(), 20_000);
    tail.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines.filter((l) => l.trim())) events.push(JSON.parse(line));
      // A moment more, so a duplicate delivered late would be seen too.
      if (done(events)) setTimeout(() => tail.kill(), 1_000);
    });
    tail.on('error', reject);
    tail.on('exit', () => {
      clearTimeout(timer);
      resolve(events);
    });
  });
}

test.describe('two instances on one Postgres', () => {
  test.skip(!B, 'scripts/test.sh runs this in its Postgres pass, with a second instance');

  test("a transaction taken by instance A shows live on instance B's page, and its event is on the stream once", async ({
    browser,
  }) => {
    const context = await browser.newContext({ baseURL: B });
    const page = await context.newPage();
    await signInAs(page, 'admin');
    await expect(page.locator('[data-live="true"]')).toBeVisible();

    // The bank is linked through instance A (its simulator and its API); the session is
    // shared through the database, and the browser's cookie goes to both.
    const token = await (await page.request.post(`${A}/api/v1/banking/plaid/create-link-token`, { data: {} })).json();
    const link = await page.request.post(`${A}/sim/link/complete`, {
      data: { link_token: token.link_token, institution_id: 'ins_109510', username: 'user_good', password: 'pass_good' },
    });
    const { public_token, metadata } = await link.json();
    const exchanged = await page.request.post(`${A}/api/v1/banking/plaid/exchange-public-token`, {
      data: { public_token, metadata },
    });
    const body = await exchanged.json();
    const itemId: string = exchanged.ok() ? body.item_id : body.error.existing_item_id;
    expect(itemId, JSON.stringify(body)).toBeTruthy();

    // B's page learns of the bank from A's commit, then of A's sync of a new transaction.
    const bank = page.locator(`article[data-item-id="${itemId}"]`);
    await expect(bank).toBeVisible();
    const balance = bank.locator('[aria-label$="balance"]').first();
    await expect(balance).not.toHaveText('');
    const before = await balance.textContent();
    await page.evaluate(() => ((window as any).__noReload = true));
    const added = await page.request.post(`${A}/sim/control/items/${itemId}/transactions`, { data: { count: 1 } });
    expect(added.ok()).toBeTruthy();
    await expect(balance).not.toHaveText(before!);
    expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);

    // Both instances relay: every event is on the stream once, this bank's included.
    const mine = (events: any[]) => events.filter((e) => e.item_id === itemId);
    const events = await streamEvents((all) => mine(all).filter((e) => e.type === 'transactions_added').length >= 2);
    const ids = events.map((e) => e.event_id);
    expect(new Set(ids).size, 'no event twice').toBe(ids.length);
    const added_ids = mine(events)
      .filter((e) => e.type === 'transactions_added')
      .flatMap((e) => e.payload.transactions.map((t: any) => t.transaction_id));
    expect(added_ids.length, 'the first sync and the new transaction').toBeGreaterThan(1);
    expect(new Set(added_ids).size, 'no transaction added twice').toBe(added_ids.length);
    await context.close();
  });
});
