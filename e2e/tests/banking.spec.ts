import { readFileSync } from 'node:fs';
import { expect, test } from '../fixtures';
import { expectHydrated, signInAs } from '../pages/auth';
import { expectAccessible } from '../pages/axe';
import { Dashboard, simControl } from '../pages/dashboard';

test.describe.serial('a trader links a bank and watches it live', () => {
  test('connect a bank through Link: its accounts and balances appear', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    await expect(page.getByRole('heading', { name: 'No banks connected yet' })).toBeVisible();
    await dashboard.connect('Houndstooth Bank');
    await expect(page.getByText('Houndstooth Bank connected: 2 account(s) added.')).toBeVisible();
    const bank = dashboard.bank('Houndstooth Bank');
    await expect(bank).toBeVisible();
    await expect(bank.getByText('Connected')).toBeVisible();
    // The bank's identity from Plaid: its logo (loaded, a real image) and its colour.
    const logo = bank.locator('img.bank-logo');
    await expect(logo).toBeVisible();
    await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await expect(bank).toHaveCSS('border-left-color', 'rgb(124, 58, 237)');
    await expect(dashboard.balance('Houndstooth Bank', 'Houndstooth Checking')).toHaveText(/^-?\$[\d,]+\.\d\d$/);
    await expect(page.getByTestId('total-cash')).not.toHaveText('$0.00');
    // The first sync fills the transactions and the chart.
    const rows = page.getByRole('table', { name: 'Recent transactions' }).getByRole('row');
    await expect(rows).toHaveCount(26);
    await expect(page.getByRole('img', { name: 'Cash flow chart' })).toBeVisible();
    // The artifact shows what a user sees first: totals, the bank with its balances, the chart.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: '.artifacts/dashboard.png', fullPage: false });
    await page.getByRole('button', { name: 'Show more' }).click();
    await expect(rows).toHaveCount(51);
  });

  test('the dashboard with a bank and the open Link dialog have no serious accessibility violations', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    await expect(dashboard.bank('Houndstooth Bank')).toBeVisible();
    await expectAccessible(page);
    await dashboard.connectButton().click();
    const dialog = dashboard.linkDialog();
    await expect(dialog).toBeVisible();
    await expectAccessible(page, '[role="dialog"]');
    await dialog.getByRole('button', { name: 'Gingham Credit Union' }).click();
    await expectAccessible(page, '[role="dialog"]');
    await dashboard.submitCredentials();
    // The accounts have loaded: Continue works only while at least one is chosen.
    const boxes = dialog.getByRole('checkbox');
    await expect(boxes.first()).toBeVisible();
    const continueButton = dialog.getByRole('button', { name: 'Continue' });
    await expect(continueButton).toBeEnabled();
    for (const box of await boxes.all()) await box.uncheck();
    await expect(continueButton).toBeDisabled();
    await expectAccessible(page, '[role="dialog"]');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });

  test('closing Link reports the exit and leaves the widget ready', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    await expect(dashboard.connectButton()).toBeEnabled();
    await dashboard.connectButton().click();
    await expect(dashboard.linkDialog()).toBeVisible();
    const kept = () => page.evaluate(() => localStorage.getItem('cashflow.plaid_link_token'));
    expect(await kept(), 'kept while Link is open, for a bank redirect').toMatch(/^\nlink-sandbox-/);
    await dashboard.linkDialog().getByRole('button', { name: 'Close' }).click();
    await expect(dashboard.linkDialog()).toBeHidden();
    await expect(dashboard.connectButton()).toBeEnabled();
    // The token kept for a bank's OAuth redirect is dropped once Link closes on the page.
    expect(await kept()).toBeNull();
    // A wrong password is refused inside the modal.
    await dashboard.connectButton().click();
    await dashboard.linkDialog().getByRole('button', { name: 'Gingham Credit Union' }).click();
    await dashboard.submitCredentials('wrong');
    await expect(dashboard.linkDialog().getByRole('alert')).toContainText('not correct');
    await page.keyboard.press('Escape');
    await expect(dashboard.linkDialog()).toBeHidden();
  });

  test('Export CSV downloads the transactions shown, exact and dated', async ({ page }) => {
    await signInAs(page, 'trader');
    const rows = page.getByRole('table', { name: 'Recent transactions' }).getByRole('row');
    await expect(rows.nth(1)).toBeVisible();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^transactions-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.split('\r\n').filter((l) => l);
    expect(lines[0]).toBe('date,authorized_date,description,merchant,category,account,account_id,amount,currency,pending,transaction_id');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) expect(line).toMatch(/^\d{4}-\d{2}-\d{2},/);
  });

  test('an account can be renamed, left out of total cash, hidden, and brought back', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    const bank = dashboard.bank('Houndstooth Bank');
    const total = page.getByTestId('total-cash');
    await expectHydrated(page);
    const before = await total.textContent();
    const settings = async (shown: string, change: (form: import('@playwright/test').Locator) => Promise<void>) => {
      await bank.getByRole('button', { name: `Settings of ${shown}` }).click();
      const form = bank.getByRole('form', { name: `${shown} settings` });
      await change(form);
      await form.getByRole('button', { name: 'Save' }).click();
      await expect(form).toBeHidden();
    };
    await settings('Houndstooth Checking', async (form) => {
      await form.getByLabel('Nickname').fill('Trading cash');
      await form.getByLabel('Count in total cash').uncheck();
    });
    await expect(bank.getByLabel('Trading cash balance')).toBeVisible();
    await expect(bank.getByText('not in total cash')).toBeVisible();
    await expect(total).not.toHaveText(before!);

    await settings('Trading cash', async (form) => form.getByLabel('Hide from the dashboard').check());
    await expect(bank.getByLabel('Trading cash balance')).toBeHidden();
    await bank.getByRole('button', { name: 'Show 1 hidden account' }).click();
    await expect(bank.getByLabel('Trading cash balance')).toBeVisible();

    // Kept across a reload; then everything back as the bank names it, for the tests after.
    await page.reload();
    await expect(bank.getByLabel('Trading cash balance')).toBeHidden();
    await bank.getByRole('button', { name: 'Show 1 hidden account' }).click();
    await settings('Trading cash', async (form) => {
      await form.getByLabel('Nickname').fill('');
      await form.getByLabel('Count in total cash').check();
      await form.getByLabel('Hide from the dashboard').uncheck();
    });
    await expect(dashboard.balance('Houndstooth Bank', 'Houndstooth Checking')).toBeVisible();
    await expect(total).toHaveText(before!);

    // Hidden again: the trader's choice to see this bank's hidden accounts holds on this page,
    // and a live update that replaces the card keeps them shown.
    await settings('Houndstooth Checking', async (form) => form.getByLabel('Hide from the dashboard').check());
    await expect(bank.getByRole('button', { name: 'Leave hidden accounts out' })).toBeVisible();
    const itemId = await bank.getAttribute('data-item-id');
    const hiddenBalance = dashboard.balance('Houndstooth Bank', 'Houndstooth Checking');
    const balanceBefore = await hiddenBalance.textContent();
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    await simControl(page, `/items/${itemId}/transactions`, { count: 1 });
    await expect(hiddenBalance).not.toHaveText(balanceBefore!);
    await expect(hiddenBalance).toBeVisible();
    await expect(bank.getByRole('button', { name: 'Leave hidden accounts out' })).toBeVisible();
    await settings('Houndstooth Checking', async (form) => form.getByLabel('Hide from the dashboard').uncheck());
    await expect(bank.getByRole('button', { name: /hidden account/ })).toHaveCount(0);
  });

  test('the transactions workbench searches, totals, re-categorises and exports the filtered view', async ({ page }) => {
    await signInAs(page, 'trader');
    await page.getByRole('link', { name: 'Search and categorise' }).click();
    await expect(page.getByRole('heading', { name: 'Transactions', level: 1 })).toBeVisible();
    const table = page.getByRole('table', { name: 'Filtered transactions' });
    const rows = table.locator('tbody tr');
    await expect(rows.first()).toBeVisible();
    await expectHydrated(page);
    await expectAccessible(page);

    // Search and sort: only the payroll, largest income first.
    const filters = page.getByRole('form', { name: 'Filter transactions' });
    await filters.getByLabel('Search').fill('payroll');
    await filters.getByLabel('Sort').selectOption('amount_asc');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/\/transactions\?.*q=payroll/);
    await expect(filters.getByLabel('Search')).toHaveValue('payroll');
    await expect(rows.first()).toContainText('ACME TRADING PAYROLL');
    const count = await rows.count();
    expect(count).toBeGreaterThan(1);
    for (const row of await rows.all()) await expect(row).toContainText('ACME TRADING PAYROLL');

    // The totals are of the filtered view: all of it income.
    const totals = page.getByRole('table', { name: 'Totals by category' });
    const income = totals.locator('tr[data-category="INCOME"] td');
    await expect(income.nth(1)).toHaveText(String(count));
    await page.screenshot({ path: '.artifacts/workbench.png', fullPage: false });
    await expectHydrated(page);

    // Re-categorise one: the totals follow, and it is kept across a reload.
    const first = rows.first();
    const id = await first.getAttribute('data-transaction-id');
    await first.getByRole('combobox', { name: 'Category of ACME TRADING PAYROLL' }).selectOption('TRANSFER_IN');
    await expect(totals.locator('tr[data-category="TRANSFER_IN"] td').nth(1)).toHaveText('1');
    await expect(income.nth(1)).toHaveText(String(count - 1));
    await page.reload();
    const mine = page.locator(`tr[data-transaction-id="${id}"]`).getByRole('combobox');
    await expect(mine).toHaveValue('TRANSFER_IN');

    // The export is the filtered view, with the trader's category.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const lines = readFileSync((await download.path())!, 'utf8').split('\r\n').filter((l) => l);
    expect(lines.length).toBe(count + 1);
    for (const line of lines.slice(1)) expect(line).toContain('ACME TRADING PAYROLL');
    expect(lines.find((l) => l.endsWith(`,${id}`))).toContain(',TRANSFER_IN,');

    // Back to Plaid's category, for the tests after.
    await expectHydrated(page);
    await mine.selectOption('');
    await expect(totals.locator('tr[data-category="TRANSFER_IN"]')).toHaveCount(0);
    await expect(income.nth(1)).toHaveText(String(count));
  });

  test('a new transaction from the bank shows up and changes the balance without a reload', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    const bank = dashboard.bank('Houndstooth Bank');
    const itemId = await bank.getAttribute('data-item-id');
    const balance = dashboard.balance('Houndstooth Bank', 'Houndstooth Checking');
    const before = await balance.textContent();
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    await page.evaluate(() => ((window as any).__noReload = true));
    // A question the trader has open in the card (its island unchanged by the update) stays.
    await bank.getByRole('button', { name: 'Remove' }).click();
    const confirm = bank.getByRole('alertdialog', { name: 'Confirm removal' });
    await expect(confirm).toBeVisible();
    await simControl(page, `/items/${itemId}/transactions`, { count: 1 });
    await expect(balance).not.toHaveText(before!);
    expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
    await expect(confirm).toBeVisible();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toHaveCount(0);
  });

  test('Sync now brings what waits at the bank, and cash over time draws the balances', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    const bank = dashboard.bank('Houndstooth Bank');
    const itemId = await bank.getAttribute('data-item-id');
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    const listed = async () =>
      (await (await page.request.get('/api/v1/banking/transactions?limit=500')).json()).length as number;
    const recent = page.getByRole('table', { name: 'Recent transactions' });
    await expect(recent).toBeVisible();
    const coffee = recent.getByRole('row', { name: /Blue Bottle Coffee/i });
    const before = await listed();
    const coffeeBefore = await coffee.count();
    // A purchase made at the bank that Plaid has not fetched: no webhook comes for it.
    await simControl(page, `/items/${itemId}/transactions`, { count: 1, at_bank: true });
    await bank.getByRole('button', { name: 'Sync now' }).click();
    const note = bank.getByTestId('sync-note');
    await expect(note).toContainText('Your bank was asked for new transactions');
    await expect.poll(listed).toBe(before + 1);
    await expect(coffee).toHaveCount(coffeeBefore + 1);
    // Asked again at once: Plaid is not called again, and the trader is told why.
    await bank.getByRole('button', { name: 'Sync now' }).click();
    await expect(note).toContainText('asked of your bank moments ago');

    const history = page.getByRole('region', { name: 'Cash over time' });
    await expect(history.getByRole('img', { name: /^Total cash from / })).toBeVisible();
    const total = await page.getByTestId('total-cash').textContent();
    await expect(history.getByTestId('cash-history-latest')).toHaveText(total!);
    const ninety = history.getByRole('button', { name: '90 days' });
    await ninety.click();
    await expect(ninety).toHaveAttribute('aria-pressed', 'true');
    await expect(history.getByRole('button', { name: '30 days' })).toHaveAttribute('aria-pressed', 'false');
    await expect(history.getByTestId('cash-history-latest')).toHaveText(total!);
  });

  test('the credit card\'s next payment and available credit show, and an overdue payment is flagged', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    const itemId = await dashboard.bank('Houndstooth Bank').getAttribute('data-item-id');
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    const credit = page.getByRole('region', { name: 'Credit and payments due' });
    await expect(page.getByTestId('available-credit')).toHaveText(/^\$[\d,]+\.\d\d$/);
    const card = credit.getByRole('listitem', { name: /^Houndstooth Rewards Card/ });
    await expect(card.getByTestId('payment-due')).toHaveText(/^\$[\d,]+\.\d\d due \d{4}-\d\d-\d\d$/);
    await expect(card).toContainText('APR 22.49%');
    await expect(card).toContainText('limit $8,000.00');
    await expect(card.getByTestId('overdue')).toHaveCount(0);
    await simControl(page, `/items/${itemId}/overdue`);
    await expect(card.getByTestId('overdue')).toBeVisible();
  });

  test('an admin sees every bank\'s health, syncs it and reads its audit trail; a trader cannot', async ({ page }) => {
    await signInAs(page, 'admin');
    await page.getByRole('link', { name: 'Bank health' }).click();
    await expect(page).toHaveURL(/\/admin$/);
    const row = page.getByRole('row', { name: 'Houndstooth Bank of trader' });
    await expect(row).toBeVisible();
    await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'good');
    await expect(row).toContainText('Last received:');
    await expectHydrated(page);
    await expectAccessible(page);
    await row.getByRole('button', { name: 'Sync', exact: true }).click();
    await expect(row.getByRole('status')).toContainText(/Synced: \d+ added|runs once more/);
    const trailButton = row.getByRole('button', { name: 'Audit trail' });
    await trailButton.click();
    const trail = page.getByRole('table', { name: 'Audit trail of Houndstooth Bank of trader' });
    await expect(trail).toBeVisible();
    for (const action of ['linked', 'synced', 'sync_now', 'sync_requested']) {
      await expect(trail.getByRole('cell', { name: action, exact: true }).first()).toBeVisible();
    }
    await page.screenshot({ path: '.artifacts/admin.png', fullPage: false });
    // Nothing of the trader's money or tokens is on the page.
    await expect(page.locator('body')).not.toContainText('access-sandbox');
    await expect(page.locator('body')).not.toContainText(/Blue Bottle/i);
    // Banks come 200 a page: the first page has no way back and, with fewer, no way on;
    // a page past the last says so and leads back.
    const pager = page.getByRole('navigation', { name: 'Pages of banks' });
    await expect(pager).toContainText(/Banks 1–\d+/);
    await expect(pager.getByRole('link')).toHaveCount(0);
    await page.goto('/admin?page=2');
    await expect(page.getByText('No banks on this page.')).toBeVisible();
    await expect(pager).toContainText('Page 2');
    await pager.getByRole('link', { name: '← Previous' }).click();
    await expect(page).toHaveURL(/\/admin\?page=1$/);
    await expect(row).toBeVisible();

    await page.context().clearCookies();
    await signInAs(page, 'trader');
    await expect(page.getByRole('link', { name: 'Bank health' })).toHaveCount(0);
    await page.goto('/admin');
    await expect(page.getByRole('heading', { name: 'Only admins can see bank health' })).toBeVisible();
    expect((await page.request.get('/api/v1/admin/banks')).status()).toBe(403);
  });

  test('login required shows the badge; update mode clears it', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    const bank = dashboard.bank('Houndstooth Bank');
    const itemId = await bank.getAttribute('data-item-id');
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    await simControl(page, `/items/${itemId}/login-required`);
    await expect(bank.getByText('Needs re-authentication')).toBeVisible();
    const reauth = bank.getByRole('button', { name: 'Re-authenticate' });
    await expect(reauth).toBeEnabled();
    await reauth.click();
    await expect(dashboard.linkDialog()).toContainText('Sign in again to Houndstooth Bank');
    await dashboard.submitCredentials();
    await expect(dashboard.linkDialog()).toBeHidden();
    await expect(bank.getByText('Connected')).toBeVisible();
  });

  test('the same bank twice is refused with an explanation', async ({ page }) => {
    await signInAs(page, 'trader');
    const dashboard = new Dashboard(page);
    await dashboard.connect('Houndstooth Bank');
    const alert = page.getByRole('region', { name: 'Summary' }).getByRole('alert');
    await expect(alert).toContainText('Houndstooth Bank is already connected');
    await expect(alert.getByRole('button', { name: 'Re-authenticate' })).toBeVisible();
    await expect(page.getByRole('article')).toHaveCount(1);
  });

  test('removing a bank removes its accounts', async ({ page }) => {
    await signInAs(page, 'trader');
    // Remove asks for confirmation in the browser: click only once the page is interactive.
    await expectHydrated(page);
    const dashboard = new Dashboard(page);
    const bank = dashboard.bank('Houndstooth Bank');
    await bank.getByRole('button', { name: 'Remove' }).click();
    await bank.getByRole('button', { name: 'Yes, remove' }).click();
    await expect(page.getByRole('heading', { name: 'No banks connected yet' })).toBeVisible();
    await expect(page.getByRole('article')).toHaveCount(0);
    const accounts = await page.request.get('/api/v1/banking/accounts');
    expect((await accounts.json()).items).toEqual([]);
  });
});

test('when the Link script cannot be loaded the widget says so instead of waiting', async ({ page }) => {
  // The script's error event ends the wait at once (no polling until a timeout).
  await page.route('**/sim/link/link-initialize.js', (route) => route.abort('connectionrefused'));
  await signInAs(page, 'trader');
  await expectHydrated(page);
  const summary = page.getByRole('region', { name: 'Summary' });
  await expect(summary.getByRole('alert')).toHaveText(
    'Plaid Link could not be loaded. Check your connection and reload the page.',
    { timeout: 5_000 },
  );
});

test('a viewer cannot connect a bank', async ({ page }) => {
  await signInAs(page, 'viewer');
  await expect(page.getByText('Bank data is not available to viewers')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Connect Bank' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Transactions' })).toHaveCount(0);
  await page.goto('/transactions');
  await expect(page.getByText('Bank data is not available to viewers')).toBeVisible();
  const response = await page.request.post('/api/v1/banking/plaid/create-link-token', { data: {} });
  expect(response.status()).toBe(403);
  expect((await response.json()).error.code).toBe('forbidden');
});

test('the banking API answers 401 when signed out', async ({ request }) => {
  for (const [method, path] of [
    ['POST', '/api/v1/banking/plaid/create-link-token'],
    ['POST', '/api/v1/banking/plaid/exchange-public-token'],
    ['GET', '/api/v1/banking/accounts'],
    ['GET', '/api/v1/banking/transactions'],
    ['GET', '/api/v1/banking/transactions/categories'],
    ['POST', '/api/v1/banking/transactions/category'],
    ['GET', '/api/v1/banking/events'],
  ]) {
    const response = await request.fetch(path, { method, data: method === 'POST' ? {} : undefined });
    expect(response.status(), `${method} ${path}`).toBe(401);
    const body = await response.json();
    expect(body.error.code, path).toBe('unauthorized');
  }
});

test.describe.serial('an OAuth bank: sign in on the bank\'s own page, Link resumes on return', () => {
  const bank = 'Platypus OAuth Bank';

  async function goToBank(dashboard: Dashboard, page: import('@playwright/test').Page) {
    await expect(dashboard.connectButton()).toBeEnabled();
    await dashboard.connectButton().click();
    const dialog = dashboard.linkDialog();
    await dialog.getByRole('button', { name: bank }).click();
    await dialog.getByRole('button', { name: `Continue to ${bank}` }).click();
    await expect(page).toHaveURL(/\/sim\/link\/oauth\/authorize\?oauth_state_id=[0-9a-f]+$/);
    await expect(page.getByRole('heading', { name: bank })).toBeVisible();
  }

  test('denying access at the bank shares nothing and leaves Connect Bank working', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    await goToBank(dashboard, page);
    await page.getByRole('button', { name: 'Deny' }).click();
    await expect(dashboard.linkDialog().getByRole('alert')).toContainText(`You did not allow access at ${bank}`);
    await expect(page).toHaveURL(/\/cash-flow$/);
    await dashboard.linkDialog().getByRole('button', { name: 'Done' }).click();
    await expect(dashboard.linkDialog()).toBeHidden();
    await expect(dashboard.bank(bank)).toHaveCount(0);
    // The next Connect Bank starts a new session at the bank list, not the spent OAuth one.
    await expect(dashboard.connectButton()).toBeEnabled();
    await dashboard.connectButton().click();
    await expect(dashboard.linkDialog().getByRole('heading', { name: 'Select your bank' })).toBeVisible();
    await page.keyboard.press('Escape');
  });

  test('allowing access brings the user back to pick accounts, and the bank is added', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    await goToBank(dashboard, page);
    await page.getByRole('button', { name: 'Allow' }).click();
    const dialog = dashboard.linkDialog();
    await expect(dialog.getByRole('heading', { name: 'Choose accounts to share' })).toBeVisible();
    await expect(page, 'the one-time state id leaves the address bar').toHaveURL(/\/cash-flow$/);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByText(`${bank} connected: 2 account(s) added.`)).toBeVisible();
    await expect(dashboard.balance(bank, 'Platypus OAuth Checking')).toHaveText(/^-?\$[\d,]+\.\d\d$/);
    // A reload does not reopen Link: the return was used once.
    await page.reload();
    await expect(dashboard.bank(bank)).toBeVisible();
    await expect(dashboard.connectButton()).toBeEnabled();
    await expect(dashboard.linkDialog()).toHaveCount(0);
  });

  test('re-authenticating an OAuth bank goes through the bank and clears the badge', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    const card = dashboard.bank(bank);
    const itemId = await card.getAttribute('data-item-id');
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    await simControl(page, `/items/${itemId}/login-required`);
    await expect(card.getByText('Needs re-authentication')).toBeVisible();
    await card.getByRole('button', { name: 'Re-authenticate' }).click();
    await dashboard.linkDialog().getByRole('button', { name: `Continue to ${bank}` }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    // Back on the dashboard, Link resumes in update mode for that bank and finishes.
    await expect(page).toHaveURL(/\/cash-flow$/);
    await expect(page.getByText(`${bank} is reconnected.`)).toBeVisible();
    await expect(card.getByText('Connected')).toBeVisible();
    await expect(card.getByText('Needs re-authentication')).toHaveCount(0);
  });

  test('linking the OAuth bank again offers re-authentication, which also goes through the bank', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    await goToBank(dashboard, page);
    await page.getByRole('button', { name: 'Allow' }).click();
    await dashboard.linkDialog().getByRole('button', { name: 'Continue' }).click();
    const alert = page.getByRole('region', { name: 'Summary' }).getByRole('alert');
    await expect(alert).toContainText(`${bank} is already connected`);
    await alert.getByRole('button', { name: 'Re-authenticate' }).click();
    await dashboard.linkDialog().getByRole('button', { name: `Continue to ${bank}` }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect(page.getByText(`${bank} is reconnected.`)).toBeVisible();
    await expect(page).toHaveURL(/\/cash-flow$/);
    await expect(page.getByRole('article', { name: bank })).toHaveCount(1);
  });
});

test('the dashboard reads on a phone-width screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAs(page, 'admin');
  const dashboard = new Dashboard(page);
  await dashboard.connect('Gingham Credit Union');
  await expect(dashboard.bank('Gingham Credit Union')).toBeVisible();
  await expect(page.getByRole('img', { name: 'Cash flow chart' })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: '.artifacts/dashboard-phone.png', fullPage: true });
});
